// What the app keeps of the challenges before any is opened: whether the panel is shown,
// and the panel itself once loaded. The panel (the challenges, the Markdown renderer) is
// loaded only when the learner opens it, so the first screen does not pay for it.
import type { Component } from 'svelte';
import type { BoardDeps, ChallengeBoard } from './board.svelte.ts';

type PanelProps = { board: ChallengeBoard; onclose: () => void };
type Loaded = { Panel: Component<PanelProps>; board: ChallengeBoard };

export class ChallengeLauncher {
  open = $state.raw(false);
  ui = $state.raw<Loaded | null>(null);
  error = $state.raw<string | null>(null);
  private loading: Promise<Loaded | null> | null = null;

  constructor(private deps: () => BoardDeps | null) {}

  private load() {
    this.loading ??= import('./index.ts')
      .then((m) => {
        const deps = this.deps();
        if (!deps) throw new Error('the workspaces are not ready yet');
        const ui: Loaded = { Panel: m.ChallengePanel as Component<PanelProps>, board: new m.ChallengeBoard(deps) };
        this.ui = ui;
        this.error = null;
        return ui;
      })
      .catch((err: unknown) => {
        this.loading = null;
        this.error = `The challenges could not be loaded: ${(err as Error).message}. Check the connection and try again.`;
        return null;
      });
    return this.loading;
  }

  /** Shows the list of challenges (the header's Challenges button). */
  async showList(): Promise<void> {
    this.open = true;
    (await this.load())?.board.showList();
  }

  hide(): void {
    this.open = false;
  }

  destroy(): void {
    this.ui?.board.destroy();
  }
}
