export { default as GenericNode } from './GenericNode.svelte';
