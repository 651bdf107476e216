// A WorkspaceHost for tests of the lesson panel: workspaces in a memory repository, each
// opened by loading its session into the simulation, the one on screen saved before
// another opens. Like the real one (src/ui/workspaces.svelte.ts) it runs switches and saves
// in one queue and shows a session before it names its workspace current (`settleMs`
// widens that gap for tests of what happens in it).
import { createMemoryRepo, type Workspace, type WorkspaceRepo } from '../../../persist/index.ts';
import type { Simulation, AsyncApi } from '../../simulation.svelte.ts';
import type { NewWorkspaceMeta, WorkspaceHost } from '../../workspace-host.ts';

export class FakeHost implements WorkspaceHost {
  current = $state.raw<Workspace | null>(null);
  readonly repo: WorkspaceRepo = createMemoryRepo();
  /** Every call, for assertions: `openNew:<name>`, `open:<id>`, `flush`. */
  readonly calls: string[] = [];
  /** Milliseconds between showing a workspace's session and naming it current. */
  settleMs = 0;
  private now = 1_000;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private sim: Simulation,
    private api: AsyncApi,
  ) {}

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
  private settle(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.settleMs));
  }

  openNew(session: unknown, meta: NewWorkspaceMeta): Promise<boolean> {
    this.calls.push(`openNew:${meta.name}`);
    return this.serial(async () => {
      await this.save();
      if (!(await this.sim.load(session))) return false;
      const s = await this.api.session();
      if (!s) return false;
      const r = await this.repo.create({ ...meta, session: s }, ++this.now);
      if (!r.ok) return false;
      await this.settle();
      this.current = r.value;
      return true;
    });
  }

  open(id: string): Promise<boolean> {
    this.calls.push(`open:${id}`);
    return this.serial(async () => {
      await this.save();
      const r = await this.repo.open(id);
      if (!r.ok || !(await this.sim.load(r.value.session))) return false;
      await this.settle();
      this.current = r.value.workspace;
      return true;
    });
  }

  flush(): Promise<void> {
    this.calls.push('flush');
    return this.serial(() => this.save());
  }

  private async save(): Promise<void> {
    const cur = this.current;
    const s = await this.api.session();
    if (!cur || !s) return;
    const r = await this.repo.save(cur.id, s, { rev: cur.rev, now: ++this.now });
    if (r.ok) this.current = r.value;
  }
}
