export { default as ConsumerNode } from './ConsumerNode.svelte';
