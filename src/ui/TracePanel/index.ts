export { default as TracePanel } from './TracePanel.svelte';
