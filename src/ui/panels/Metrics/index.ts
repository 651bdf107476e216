export { default as LagChart } from './LagChart.svelte';
export { default as HealthChart } from './HealthChart.svelte';
export { default as AlertsEditor } from './AlertsEditor.svelte';
