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
import { ServiceKind } from './service.ts';
import { StreamKind } from './stream.ts';
import { Replication } from './replication.ts';
import { Alerts } from '../alerts.ts';

// FIFO queues, SNS topics and pub/sub channels come last (their channels after the others'),
// then the schema registry (no channel, no action of its own), services ([RR1]) and stream
// processors (no channel: they listen to the topics they read); the alerts, which watch every
// other module's steps ([AL2]), are the very last. Replication ([KR1]) only plugs into topics'
// channels, so it can come late.
export const MODULES: readonly ModuleClass[] = [Network, DeadLetters, Invariants, TopicKind, AggregateKind, QueueKind, ExchangeKind, ConsumerGroups, ProjectionKind, SagaKind, ProducerKind, EventBusKind, Fifo, SnsKind, PubSubKind, RegistryKind, ServiceKind, StreamKind, Replication, Alerts];
