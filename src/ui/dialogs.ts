// The dialogs: Share, Workspaces, "Add invariant", the chaos explorer and the conversation's sequence diagram.
// One deferred chunk (first-screen/later.ts), loaded when the browser is idle after the
// first screen or when one is first opened.
export { default as ShareDialog } from './Workspace/ShareDialog.svelte';
export { default as WorkspacesDialog } from './Workspace/WorkspacesDialog.svelte';
export { default as AddInvariant } from './panels/Invariants/AddInvariant.svelte';
export { default as ChaosExplorer } from './panels/Invariants/ChaosExplorer.svelte';
export { default as SequenceDiagram } from './TracePanel/SequenceDiagram.svelte';
