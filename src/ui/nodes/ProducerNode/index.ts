export { default as ProducerNode } from './ProducerNode.svelte';
