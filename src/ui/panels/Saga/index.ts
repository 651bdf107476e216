export { default as SagaInstances } from './SagaInstances.svelte';
export { default as SagaMachine } from './SagaMachine.svelte';
