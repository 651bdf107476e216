// What the app keeps of the lessons before any is opened: whether the panel is shown, and
// the panel itself once loaded. The panel (the course, the Markdown renderer) is loaded
// only when the learner opens lessons or follows a lesson link, so the first screen does
// not pay for it. Lesson links (`#/lesson/<id>[/<step>]`) are followed on start and on
// every hashchange; they never look like share links (those start `#s1z.`).
import type { Component } from 'svelte';
import { parseLessonHash, type LessonLink } from '../../lessons/link.ts';
import { decodeLinkPart, followHash } from '../hash-links.ts';
import type { GuideDeps, LessonGuide } from './guide.svelte.ts';

type PanelProps = { guide: LessonGuide; onclose: () => void };

export class LessonLauncher {
  /** The panel is shown. */
  open = $state.raw(false);
  /** The loaded panel and its state (null until first opened). */
  ui = $state.raw<{ Panel: Component<PanelProps>; guide: LessonGuide } | null>(null);
  /** Why the panel could not be loaded (a failed chunk download, say). */
  error = $state.raw<string | null>(null);

  private deps: () => GuideDeps | null;
  private loading: Promise<{ Panel: Component<PanelProps>; guide: LessonGuide } | null> | null = null;

  /** `deps` is asked for when the panel is first loaded (the workspace host may come later). */
  constructor(deps: () => GuideDeps | null) {
    this.deps = deps;
  }

  private load() {
    this.loading ??= import('./index.ts')
      .then((m) => {
        const deps = this.deps();
        if (!deps) throw new Error('the workspaces are not ready yet');
        const ui = { Panel: m.LessonPanel as Component<PanelProps>, guide: new m.LessonGuide(deps) };
        this.ui = ui;
        this.error = null;
        return ui;
      })
      .catch((err: unknown) => {
        this.loading = null;
        this.error = `The lessons could not be loaded: ${(err as Error).message}. Check the connection and try again.`;
        return null;
      });
    return this.loading;
  }

  /** Shows the course map (the header's Lessons button). */
  async showMap(): Promise<void> {
    this.open = true;
    (await this.load())?.guide.showMap();
  }

  /** Shows a lesson, and a step of it (a deep link, or the course map's choice). */
  async openLesson(link: LessonLink): Promise<boolean> {
    this.open = true;
    const ui = await this.load();
    return ui ? ui.guide.open(link.lesson, link.step) : false;
  }

  hide(): void {
    this.open = false;
  }

  /** The app is going away. */
  destroy(): void {
    this.ui?.guide.destroy();
  }

  toggle(): void {
    if (this.open) this.hide();
    else void this.showMap();
  }

  /**
   * Follows lesson links: now (once `ready`) and on every hashchange; `opening` is told first
   * (the challenges share the column). A hash that starts like a lesson link but names no
   * valid lesson id opens the course map with a notice.
   * Returns the function that stops following.
   */
  follow(ready: Promise<unknown>, opening: () => void = () => {}): () => void {
    return followHash(ready, (hash) => {
      if (!hash.startsWith('#/lesson/')) return;
      opening();
      const link = parseLessonHash(hash);
      if (link) void this.openLesson(link);
      else void this.notFound(hash.slice('#/lesson/'.length));
    });
  }

  private async notFound(raw: string): Promise<void> {
    const name = decodeLinkPart(raw);
    await this.showMap();
    if (this.ui) this.ui.guide.notice = `There is no lesson called "${name.slice(0, 80)}" (the link may be mistyped or older than the course). Here is the course map.`;
  }
}
