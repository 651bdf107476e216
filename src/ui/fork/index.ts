// Fork and diff's UI that the first screen does not show: the bar of a fork pair and the
// Compare dialog. One deferred chunk (first-screen/later.ts); the state (forks.svelte.ts)
// and the "Fork here" button are on the first screen.
export { default as ForkBar } from './ForkBar.svelte';
