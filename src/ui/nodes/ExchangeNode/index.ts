export { default as ExchangeNode } from './ExchangeNode.svelte';
