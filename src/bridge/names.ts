// File names for what the bridge exports: the scenario's name, safe on every OS.

/** `Order saga: happy path` → `order-saga-happy-path` (at most 60 characters). */
export function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
    .slice(0, 60);
}

/** `<scenario>[-<what>].<ending>`, with `scenario` when the name has no usable characters. */
export function fileName(scenario: string, what: string, ending: string): string {
  return `${[slug(scenario) || 'scenario', slug(what)].filter(Boolean).join('-')}.${ending}`;
}
