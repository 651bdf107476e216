export { default as LagChart } from './LagChart.svelte';
