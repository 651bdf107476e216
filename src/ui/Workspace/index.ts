export { default as WorkspaceBar } from './WorkspaceBar.svelte';
export { default as StorageBanner } from './StorageBanner.svelte';
export { Workspaces, provideKeeper, useKeeper } from './keeper.ts';
