// The engine: the kernel (kernel.ts) built with every module (kinds/index.ts), plus the
// questions the app asks of the whole world (its view, a past view, dead letters, a stream's
// fold). Pure: runs in Node and in the worker. Every rule cited as [X#] is in SPEC.md.
import { Kernel, type EngineOptions } from './kernel.ts';
import { modulesFor } from './kinds/index.ts';
import { Network } from './network.ts';
import { Invariants } from './invariants.ts';
import { Alerts, type AlertStatus } from './alerts.ts';
import { DeadLetters } from './deadletters.ts';
import { AggregateKind } from './kinds/aggregate.ts';
import type { Scenario } from './scenario.ts';
import type { Json } from './json.ts';
import type { AggregateView, ConsumerView, Counters, DeadLetter, EngineView, InvariantStatus, NodeView, ProducerView, ProjectionView, QueueView, SagaView, TopicView } from './views.ts';

export type { AggregateView, ConsumerView, Counters, DeadLetter, EngineView, InvariantStatus, NodeView, ProducerView, ProjectionView, QueueView, SagaView, TopicView };
export type { EngineOptions, TraceStep, ActResult } from './kernel.ts';
export type { CloudEvent } from './log.ts';
export { EPOCH_MS } from './log.ts';
export { STEP_KINDS, type StepKind } from './steps.ts';
export { FETCH_DELAY_MS, PROCESSED_TABLE, VERSIONS_TABLE } from './kinds/consumer.ts';
export { invariantLabel } from './invariants.ts';
export { alertLabel, type AlertState } from './alerts.ts';
export type { AlertStatus };

export class Engine extends Kernel {
  constructor(scenario: Scenario, options: EngineOptions = {}) {
    super(scenario, options, modulesFor(scenario));
  }

  /** Everything the UI shows about the world at the playhead, as plain data. */
  view(): EngineView {
    return {
      step: this.step,
      horizon: this.horizon,
      time: this.time,
      next: this.nextAction(),
      idle: this.idle,
      nodes: this.nodeViews() as Record<string, NodeView>,
      network: this.get(Network).networkView(),
      invariants: this.invariantStatus(),
      alerts: this.get(Alerts).status(),
    };
  }

  /** The view as it was after `step` steps, without moving the playhead: a temporal query ([J4]). */
  viewAt(step: number): EngineView {
    const here = this.step;
    this.seek(step);
    const then = this.view();
    this.seek(here);
    return then;
  }

  /** Each invariant of the scenario: holding, broken (at which step) or pending ([V1]). */
  invariantStatus(): InvariantStatus[] {
    return this.get(Invariants).status();
  }

  /** The dead-lettered events in a topic or queue, in log order ([R5]). */
  deadLetters(topicId: string): DeadLetter[] {
    return this.get(DeadLetters).of(topicId);
  }

  /** A stream's events with the state after each one: the fold, event by event ([A1]). */
  streamHistory(aggregateId: string, stream: string): { eventId: string; type: string; version: number; data: Json; state: Record<string, Json> }[] {
    return this.get(AggregateKind).streamHistory(aggregateId, stream);
  }
}

/** Creates an engine for a scenario that went through `restoreScenario`. */
export function createEngine(scenario: Scenario, options?: EngineOptions): Engine {
  return new Engine(scenario, options);
}
