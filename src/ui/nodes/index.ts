// The canvas's node components, by node kind (the `type` of each canvas node): every
// `<Kind>Node/index.ts` folder here, found at build time (see types.ts).
import './node.css';
import type { NodeTypes } from '@xyflow/svelte';
import { kindOfFolder } from './types.ts';

const modules = import.meta.glob<Record<string, NodeTypes[string]>>('./*Node/index.ts', { eager: true });

export const nodeTypes: NodeTypes = Object.fromEntries(
  Object.entries(modules).map(([path, mod]) => {
    const folder = path.split('/')[1];
    return [kindOfFolder(folder), mod[folder]];
  }),
);
