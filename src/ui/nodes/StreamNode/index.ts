export { default as StreamNode } from './StreamNode.svelte';
