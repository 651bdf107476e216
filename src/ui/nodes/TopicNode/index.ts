export { default as TopicNode } from './TopicNode.svelte';
