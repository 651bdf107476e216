// Invariants ([V1]–[V7], [W6]): declarative checks that say when something broke and at which
// step. Most are checked as they happen, by the module that sees it (an effect repeated, a
// record lost, a value out of range, a key out of order) calling `violate`; a few can only be
// judged when nothing is left to do and are asked of the node's module (`idleCheck`).
import type { Kernel } from './kernel.ts';
import type { Module } from './kind.ts';
import type { Invariant } from './scenario.ts';
import { compare } from './rules.ts';
import type { Json } from './json.ts';
import type { InvariantStatus } from './views.ts';

export class Invariants implements Module {
  readonly kinds = [] as const;
  /** Per invariant of the scenario: the step that broke it (-1: holding) and why. */
  private broken: { at: number; message: string }[];

  constructor(private readonly k: Kernel) {
    this.broken = k.invariants.map(() => ({ at: -1, message: '' }));
  }

  /** Indexes of the invariants on a node. */
  on(nodeId: string): number[] {
    const out: number[] = [];
    this.k.invariants.forEach((inv, i) => {
      if (inv.node === nodeId) out.push(i);
    });
    return out;
  }

  /** Marks each watching invariant of `kind` that `match`es as broken at this step, unless it already is. */
  violate(watchers: readonly number[], kind: Invariant['kind'], match: (inv: Invariant) => boolean, message: string): void {
    for (const i of watchers) {
      const inv = this.k.invariants[i];
      if (inv.kind !== kind || !match(inv) || this.broken[i].at >= 0) continue;
      this.broken[i] = { at: this.k.stepCount, message };
    }
  }

  /** [V3] A record the watchers' group will never handle. */
  lost(watchers: readonly number[], rec: number, why: string): void {
    const L = this.k.records;
    this.violate(watchers, 'no-loss', () => true, `${L.idOf(rec)} (${L.evType(rec)}) was lost: ${why}`);
  }

  /** [V6] A value written to a table. */
  checkState(watchers: readonly number[], table: string, key: string, value: Json): void {
    if (!watchers.length) return;
    this.violate(watchers, 'state', (inv) => inv.kind === 'state' && inv.table === table && !compare(inv.op, value, inv.value), `${table}[${key}] became ${JSON.stringify(value)}`);
  }

  /** Each invariant of the scenario: holding, broken (at which step) or pending ([V1]). */
  status(): InvariantStatus[] {
    const k = this.k;
    return k.invariants.map((inv, i) => {
      const b = this.broken[i];
      const label = inv.label ?? invariantLabel(inv);
      if (b.at >= 0) return { label, kind: inv.kind, node: inv.node, status: 'broken', brokeAt: b.at, message: b.message };
      const node = k.nodeIndex.get(inv.node)!;
      const mod = k.moduleOf(node);
      if (mod?.idleChecks?.includes(inv.kind)) {
        if (!k.idle) return { label, kind: inv.kind, node: inv.node, status: 'pending', brokeAt: null, message: 'checked when nothing is left to do' };
        const diff = mod.idleCheck!(inv, node);
        if (diff) return { label, kind: inv.kind, node: inv.node, status: 'broken', brokeAt: k.stepCount - 1, message: diff };
      }
      return { label, kind: inv.kind, node: inv.node, status: 'holding', brokeAt: null, message: null };
    });
  }

  capture(): { at: number; message: string }[] {
    return this.broken.map((b) => ({ ...b }));
  }

  restore(state: unknown): void {
    this.broken = (state as { at: number; message: string }[]).map((b) => ({ ...b }));
  }
}

/** A default sentence for an invariant the scenario did not label. */
export function invariantLabel(inv: Invariant): string {
  switch (inv.kind) {
    case 'at-most-once':
      return `${inv.node}: "${inv.effect}" happens at most once per key`;
    case 'no-loss':
      return `${inv.node}: no event is lost`;
    case 'key-order':
      return `${inv.node}: events of a key are handled in order`;
    case 'state':
      return `${inv.node}: every ${inv.table} value is ${({ eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' } as const)[inv.op]} ${JSON.stringify(inv.value)}`;
    case 'fold':
      return `${inv.node}: its state equals folding each event once`;
    case 'published':
      return `${inv.node}: every change it saves is published`;
    case 'saga-settled':
      return `${inv.node}: every saga completes or is fully compensated`;
  }
}
