// Which canvas component draws a node kind. A kind `foo-bar` has a component of its own when
// there is a folder `FooBarNode/` here with an index.ts exporting `FooBarNode`: adding the
// folder is all it takes. Kept apart from the components so the state module (and its Node
// tests) can use it without importing any .svelte file (the glob below imports nothing).

/** Folder name (`TopicNode`) → node kind (`topic`). */
export function kindOfFolder(folder: string): string {
  return folder
    .replace(/Node$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

const FOLDERS = Object.keys(import.meta.glob('./*Node/index.ts')).map((path) => path.split('/')[1]);

/** Kinds with a component of their own; the others share the generic one. */
const OWN = new Set(FOLDERS.map(kindOfFolder).filter((k) => k !== 'generic'));

export function nodeType(kind: string): string {
  return OWN.has(kind) ? kind : 'generic';
}
