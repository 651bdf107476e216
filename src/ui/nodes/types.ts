// Which canvas component draws a node kind. Kept apart from the components so the state
// module (and its Node tests) can use it without importing any .svelte file.

/** Kinds with a component of their own; the others share the generic one. */
export type NodeComponent = 'producer' | 'topic' | 'consumer' | 'generic';

export function nodeType(kind: string): NodeComponent {
  return kind === 'producer' || kind === 'topic' || kind === 'consumer' ? kind : 'generic';
}
