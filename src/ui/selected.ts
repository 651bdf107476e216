// What shows for a selected node or connection: the inspector's editing (with the saga,
// aggregate and projection forms), the break-it panel (with the lag chart, stream fold and
// saga machine) and the canvas's fault menus. One deferred chunk (first-screen/later.ts):
// the first screen has nothing selected.
export { default as NodeInspector } from './Inspector/NodeInspector.svelte';
export { default as Tools } from './panels/Tools/Tools.svelte';
export { default as FaultMenu } from './Canvas/FaultMenu.svelte';
export { default as EdgeFaults } from './Canvas/EdgeFaults.svelte';
