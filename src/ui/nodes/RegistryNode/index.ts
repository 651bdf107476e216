export { default as RegistryNode } from './RegistryNode.svelte';
