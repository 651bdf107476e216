// Every module the engine is built from, in the order the kernel builds, links and starts
// them. The order is part of the semantics: channels are numbered in build order (topics,
// then aggregates' stores, then queues) and, at equal times, actions run in the order they
// were scheduled (groups rebalance before producers tick). A new node kind: add its module.
import type { ModuleClass } from '../kind.ts';
import { Network } from '../network.ts';
import { DeadLetters } from '../deadletters.ts';
import { Invariants } from '../invariants.ts';
import { TopicKind } from './topic.ts';
import { AggregateKind } from './aggregate.ts';
import { QueueKind } from './queue.ts';
import { ExchangeKind } from './exchange.ts';
import { ConsumerGroups } from './consumer.ts';
import { ProjectionKind } from './projection.ts';
import { SagaKind } from './saga.ts';
import { ProducerKind } from './producer.ts';
import { EventBusKind } from './eventbus.ts';
import { Fifo } from './fifo.ts';
import { SnsKind } from './sns.ts';
import { PubSubKind } from './pubsub.ts';
import { RegistryKind } from './registry.ts';
import type { Scenario } from '../scenario.ts';
import { Alerts } from '../alerts.ts';

// FIFO queues, SNS topics and pub/sub channels come last (their channels after the others'),
// then the schema registry (no channel, no action of its own); after it, when a scenario needs
// them (OPTIONAL below), services ([RR1]), stream processors (no channel: they listen to the
// topics they read) and replication; the alerts, which watch every other module's steps
// ([AL2]), are the very last.
export const MODULES: readonly ModuleClass[] = [Network, DeadLetters, Invariants, TopicKind, AggregateKind, QueueKind, ExchangeKind, ConsumerGroups, ProjectionKind, SagaKind, ProducerKind, EventBusKind, Fifo, SnsKind, PubSubKind, RegistryKind, Alerts];

/**
 * Modules only some scenarios need. An engine includes one exactly when its scenario `needs`
 * it (so what else happens to be loaded never changes a run), right after the core module
 * `after`. Other modules reach it by name (`Kernel.optional`) and import its class as a type
 * only, so it is not in their bundle: the worker loads it on demand (engine.worker.ts, when a
 * call mentions its `marker`: the dynamic import is there, not here, so the page's bundle,
 * which also reaches this file, never splits around it), and Node code gets them all from
 * `all.ts` (imported once by the test setup, the CLI, the bench and the fuzz corpus).
 */
export interface OptionalModule {
  name: string;
  after: ModuleClass;
  needs(s: Scenario): boolean;
  /** A word a scenario that needs it must contain (a config field), to spot it in any JSON. */
  marker: string;
}

// Several after one core module come in the order of this list.
export const OPTIONAL: readonly OptionalModule[] = [
  {
    // [RR1] Services: synchronous calls, their slots, timeouts and circuit breakers.
    name: 'service',
    after: RegistryKind,
    needs: (s) => s.nodes.some((n) => n.kind === 'service'),
    marker: '"service"',
  },
  {
    // [WN1] Stream processors: windows, joins, late events.
    name: 'stream',
    after: RegistryKind,
    needs: (s) => s.nodes.some((n) => n.kind === 'stream'),
    marker: '"stream"',
  },
  {
    // [KR1] Only a topic kept on several brokers needs it; it only plugs into topics' channels, so it comes late.
    name: 'replication',
    after: RegistryKind,
    needs: (s) => s.nodes.some((n) => n.kind === 'topic' && (n.config.replicationFactor ?? 1) > 1),
    marker: 'replicationFactor',
  },
];

const loaded = new Map<string, ModuleClass>();

/** Makes an optional module's class available (all.ts does this for every one, synchronously). */
export function provideModule(name: string, cls: ModuleClass): void {
  loaded.set(name, cls);
}

/**
 * Loads, with `load` by name, the optional modules whose marker the text contains (JSON of a
 * scenario, a session, an edit); `text` is asked for only while one is still to be loaded.
 */
export async function loadModules(text: () => string, load: (name: string) => Promise<ModuleClass>): Promise<void> {
  const missing = OPTIONAL.filter((o) => !loaded.has(o.name));
  if (missing.length === 0) return;
  const t = text();
  for (const o of missing) if (t.includes(o.marker)) loaded.set(o.name, await load(o.name));
}

/** The modules an engine for `s` is built from, in build order. */
export function modulesFor(s: Scenario): ModuleClass[] {
  const out: ModuleClass[] = [];
  for (const M of MODULES) {
    out.push(M);
    for (const o of OPTIONAL) {
      if (o.after !== M || !o.needs(s)) continue;
      const cls = loaded.get(o.name);
      if (!cls) throw new Error(`this scenario needs the ${o.name} module, which is not loaded: await loadModules(() => <the scenario's JSON>, load) first (in Node, import src/engine/kinds/all.ts)`);
      out.push(cls);
    }
  }
  return out;
}
