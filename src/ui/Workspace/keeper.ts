// The Workspaces instance for the components of this folder (App.svelte provides it). Other
// components use the narrower WorkspaceHost (../workspace-host.ts).
import { getContext, setContext } from 'svelte';
import { Workspaces } from '../workspaces.svelte.ts';
import { provideWorkspaces } from '../workspace-host.ts';

export { Workspaces };

const KEY = Symbol('workspace-keeper');

export function provideKeeper(keeper: Workspaces): Workspaces {
  provideWorkspaces(keeper);
  return setContext(KEY, keeper);
}
export function useKeeper(): Workspaces {
  return getContext<Workspaces>(KEY);
}
