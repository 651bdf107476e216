// A WorkspaceHost for tests of the lesson panel: workspaces in a memory repository, each
// opened by loading its session into the simulation, the one on screen saved before
// another opens. The real one is src/ui/workspaces.svelte.ts.
import { createMemoryRepo, type Workspace, type WorkspaceRepo } from '../../../persist/index.ts';
import type { Simulation, AsyncApi } from '../../simulation.svelte.ts';
import type { NewWorkspaceMeta, WorkspaceHost } from '../../workspace-host.ts';

export class FakeHost implements WorkspaceHost {
  current = $state.raw<Workspace | null>(null);
  readonly repo: WorkspaceRepo = createMemoryRepo();
  /** Every call, for assertions: `openNew:<name>`, `open:<id>`, `flush`. */
  readonly calls: string[] = [];
  private now = 1_000;

  constructor(
    private sim: Simulation,
    private api: AsyncApi,
  ) {}

  async openNew(session: unknown, meta: NewWorkspaceMeta): Promise<boolean> {
    this.calls.push(`openNew:${meta.name}`);
    await this.flush();
    if (!(await this.sim.load(session))) return false;
    const s = await this.api.session();
    if (!s) return false;
    const r = await this.repo.create({ ...meta, session: s }, ++this.now);
    if (!r.ok) return false;
    this.current = r.value;
    return true;
  }

  async open(id: string): Promise<boolean> {
    this.calls.push(`open:${id}`);
    await this.flush();
    const r = await this.repo.open(id);
    if (!r.ok || !(await this.sim.load(r.value.session))) return false;
    this.current = r.value.workspace;
    return true;
  }

  async flush(): Promise<void> {
    this.calls.push('flush');
    const cur = this.current;
    const s = await this.api.session();
    if (!cur || !s) return;
    const r = await this.repo.save(cur.id, s, { rev: cur.rev, now: ++this.now });
    if (r.ok) this.current = r.value;
  }
}
