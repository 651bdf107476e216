export { default as ServiceNode } from './ServiceNode.svelte';
