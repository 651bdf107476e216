export { default as StreamFold } from './StreamFold.svelte';
