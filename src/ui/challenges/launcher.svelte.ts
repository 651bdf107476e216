// What the app keeps of the challenges before any is opened: whether the panel is shown,
// and the panel itself once loaded. The panel (the challenges, the Markdown renderer) is
// loaded only when the learner opens it, so the first screen does not pay for it. Challenge
// links (`#/challenge/<id>`) are followed on start and on every hashchange.
import type { Component } from 'svelte';
import { parseChallengeHash } from '../../challenges/link.ts';
import { decodeLinkPart, followHash } from '../hash-links.ts';
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

  /** Shows one challenge (a link); an id that names none shows the list with a notice. */
  async openChallenge(id: string): Promise<void> {
    this.open = true;
    const ui = await this.load();
    if (!ui) return;
    const c = ui.board.challenges.find((x) => x.id === id);
    if (c) ui.board.open(c);
    else {
      ui.board.showList();
      ui.board.notice = `There is no challenge called "${id.slice(0, 80)}" (the link may be mistyped or older than the challenges). Here are the challenges.`;
    }
  }

  /**
   * Follows challenge links now (once `ready`) and on every hashchange; `opening` is told first
   * (the lessons share the column). A hash that starts like one but names no id shows the list.
   * Returns the function that stops following.
   */
  follow(ready: Promise<unknown>, opening: () => void): () => void {
    return followHash(ready, (hash) => {
      if (!hash.startsWith('#/challenge/')) return;
      opening();
      void this.openChallenge(parseChallengeHash(hash) ?? decodeLinkPart(hash.slice('#/challenge/'.length)));
    });
  }

  destroy(): void {
    this.ui?.board.destroy();
  }
}
