export { default as EventBusNode } from './EventBusNode.svelte';
