// The challenge panel, loaded by the app only when challenges are opened (it brings the
// challenges and the Markdown renderer with it): launcher.svelte.ts imports this lazily.
export { default as ChallengePanel } from './ChallengePanel.svelte';
export { ChallengeBoard, type BoardDeps } from './board.svelte.ts';
