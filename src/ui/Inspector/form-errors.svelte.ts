// The errors a node's form shows at its fields: the worker's refusals of the last edit
// (placed at { node, field }), and problems the form found before sending anything (text
// that is not JSON, say), which keep the typed text in its field. The form's own ones are
// dropped when the inspector turns to another node. Create it while the form initialises.
import type { Simulation } from '../simulation.svelte.ts';

export class FormErrors {
  /** Problems found before sending, by field path (an empty string clears one). */
  local = $state<Record<string, string>>({});
  private sim: Simulation;
  private id: () => string;

  constructor(sim: Simulation, id: () => string) {
    this.sim = sim;
    this.id = id;
    let last = '';
    $effect.pre(() => {
      const now = this.id();
      if (now !== last) {
        last = now;
        this.local = {};
      }
    });
  }

  /** The message for `field` (or anything below it), the form's own first. */
  err(field: string): string | undefined {
    if (this.local[field]) return this.local[field];
    const node = this.id();
    return this.sim.errors.find((e) => e.node === node && (e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`)))?.message;
  }

  set(field: string, message: string): void {
    this.local = { ...this.local, [field]: message };
  }
}
