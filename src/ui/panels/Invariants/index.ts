export { default as Invariants } from './Invariants.svelte';
