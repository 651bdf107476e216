export { default as ListView } from './ListView.svelte';
