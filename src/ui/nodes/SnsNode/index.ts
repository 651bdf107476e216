export { default as SnsNode } from './SnsNode.svelte';
