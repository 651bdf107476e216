export { default as Toolbar } from './Toolbar.svelte';
