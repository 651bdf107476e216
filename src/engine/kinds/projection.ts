// The `projection` node kind ([J1]–[J4]): a read model built from events by its reducers. It
// runs as a consumer of a group of its own (consumer.ts); here are what only a projection
// does: rebuild from offset 0 (replay) and answer queries, stale while it lags.
import type { Kernel } from '../kernel.ts';
import type { IntentHandlers, Module, StepInfo } from '../kind.ts';
import type { ProjectionView } from '../views.ts';
import type { Invariant } from '../scenario.ts';
import { ConsumerGroups, D_NORMAL, copyStore, ownGroupMember, storeToObject, type Store } from './consumer.ts';
import { S_QUERY, S_REBUILD } from '../steps.ts';

interface Rebuild {
  /** The table before the rebuild. */
  previous: Store;
  /** Records the replay must go through. */
  target: number;
  /** The step it started at. */
  from: number;
}

export class ProjectionKind implements Module {
  readonly kinds = ['projection'] as const;
  readonly idleChecks = ['fold'] as const;
  /** The last rebuild of each projection, by node (state). */
  private rebuilds = new Map<number, Rebuild | null>();

  constructor(private readonly k: Kernel) {}

  private get groups(): ConsumerGroups {
    return this.k.get(ConsumerGroups);
  }

  build(): void {
    this.k.nodes.forEach((n, i) => {
      if (n.kind !== 'projection') return;
      this.groups.declare(i, ownGroupMember(n, n.config.processingMs, n.config.rules, n.config.upcasters, n.config.schema));
      this.rebuilds.set(i, null);
    });
  }

  get intents(): IntentHandlers {
    return {
      ...this.groups.memberIntents,
      rebuild: {
        refuse: () => null,
        apply: (i) => {
          const k = this.k;
          const L = k.records;
          const groups = this.groups;
          const m = groups.memberOfNode.get(i)!;
          const mem = groups.members[m];
          const group = groups.groups[mem.group];
          // [J3] Replay: the table is thrown away and rebuilt from offset 0 of every topic.
          let target = 0;
          for (const t of group.topics) for (let p = 0; p < L.channels[t].partitions; p++) target += L.channels[t].logEnd[p];
          this.rebuilds.set(i, { previous: copyStore(group.store), target, from: k.stepCount });
          group.store = new Map();
          group.effects = new Map();
          group.accounted = new Set();
          group.lastFirst = new Map();
          group.attempts = new Map();
          group.readyRec = [];
          group.readyKind = [];
          for (const t of group.topics) group.committed[t].fill(0);
          for (const [t, p] of mem.assigned) mem.position[t][p] = 0;
          mem.busy = -1;
          mem.busyKind = D_NORMAL;
          mem.pollScheduled = false;
          groups.bumpWork(mem);
          k.record(S_REBUILD, i, -1, target);
          groups.wake(m);
        },
      },
      query: {
        refuse: () => null,
        apply: (i, input) => {
          const groups = this.groups;
          const group = groups.groups[groups.members[groups.memberOfNode.get(i)!].group];
          const value = group.store.get(input.table)?.get(input.key);
          this.k.record(S_QUERY, i, -1, groups.groupLag(group), `${input.table}[${input.key}] = ${value === undefined ? 'nothing (no row)' : JSON.stringify(value)}`);
        },
      },
    };
  }

  idleCheck(inv: Invariant, node: number): string | null {
    return inv.kind === 'fold' ? this.groups.foldDifference(node) : null;
  }

  view(node: number): ProjectionView {
    const L = this.k.records;
    const groups = this.groups;
    const m = groups.members[groups.memberOfNode.get(node)!];
    const g = groups.groups[m.group];
    const rebuild = this.rebuilds.get(node) ?? null;
    let committed = 0;
    for (const t of g.topics) for (const x of g.committed[t]) committed += x;
    return {
      kind: 'projection',
      alive: m.alive,
      behind: groups.groupLag(g),
      inFlight: m.busy >= 0 ? L.idOf(m.busy) : null,
      tables: storeToObject(g.store),
      rebuild: rebuild ? { done: Math.min(committed, rebuild.target), target: rebuild.target, previous: storeToObject(rebuild.previous), since: rebuild.from } : null,
      metrics: { ...g.counters, retrying: g.attempts.size },
    };
  }

  explain(s: StepInfo): string | undefined {
    if (!this.rebuilds.has(s.node)) return undefined;
    const who = this.k.nodes[s.node].id;
    switch (s.kind) {
      case S_REBUILD:
        return `You rebuilt ${who}: its table is emptied and it replays ${s.aux} event${s.aux === 1 ? '' : 's'} from offset 0 of its topics, with its current reducers`;
      case S_QUERY:
        return `You queried ${who}: ${s.note}${s.aux > 0 ? ` — a stale answer: ${who} is ${s.aux} event${s.aux > 1 ? 's' : ''} behind its topics (eventual consistency)` : ' — up to date with its topics'}`;
    }
    return this.groups.explainMember(s);
  }

  capture(): Map<number, Rebuild | null> {
    return new Map([...this.rebuilds].map(([node, r]) => [node, r ? { ...r, previous: copyStore(r.previous) } : null]));
  }

  restore(state: unknown): void {
    this.rebuilds = new Map([...(state as Map<number, Rebuild | null>)].map(([node, r]) => [node, r ? { ...r, previous: copyStore(r.previous) } : null]));
  }
}
