export { default as PubsubNode } from './PubsubNode.svelte';
