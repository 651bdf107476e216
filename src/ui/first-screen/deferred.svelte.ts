import { tick } from 'svelte';

// A part of the app that is not on the first screen: loaded when first used, or earlier,
// when the browser is idle after the canvas became interactive (later.ts), so that first
// use shows it at once. Until then it costs the first load nothing.

export class Deferred<T> {
  /** The loaded part (a component, usually); undefined until loaded. */
  value = $state.raw<T | undefined>(undefined);
  /** Why it could not be loaded, in words for the learner; null otherwise. */
  error = $state.raw<string | null>(null);
  readonly what: string;
  private loader: () => Promise<T>;
  private loading: Promise<T> | null = null;

  /** `what` names the part for the learner: "the break-it panel". */
  constructor(what: string, loader: () => Promise<T>) {
    this.what = what;
    this.loader = loader;
  }

  /** Loads it once (again after a failure); every caller gets the same promise. */
  load(): Promise<T> {
    this.loading ??= this.loader().then(
      (value) => {
        this.value = value;
        this.error = null;
        return value;
      },
      (err: unknown) => {
        this.loading = null;
        this.error = `Eventfold could not load ${this.what} (offline, or the site was updated since this page opened). Reload the page to try again.`;
        throw err;
      },
    );
    return this.loading;
  }
}

/**
 * Opens a deferred dialog: loads it if the prefetch has not (it renders once loaded), then
 * calls the rendered instance's `open()`. A failed load is told to `problem` instead.
 */
export async function openDeferred(part: Deferred<unknown>, instance: () => { open(): unknown } | undefined, problem: (message: string) => void): Promise<void> {
  try {
    await part.load();
  } catch {
    problem(part.error ?? `Eventfold could not load ${part.what}.`);
    return;
  }
  await tick();
  void instance()?.open();
}
