// The engine's front door. Pure TypeScript: runs in Node (tests, CLI, bench) and in the worker.
// Optional modules (kinds/index.ts OPTIONAL) are not loaded here: Node code imports
// kinds/all.ts once; the worker loads them on demand.
export { createEngine, Engine, STEP_KINDS, EPOCH_MS } from './engine.ts';
export type { CloudEvent, EngineOptions, EngineView, NodeView, TopicView, ConsumerView, ProducerView, TraceStep, StepKind, ActResult } from './engine.ts';
export { restoreScenario, parseScenarioText, describeErrors, connectionProblem, SCENARIO_FORMAT, SCENARIO_VERSION, KIND_INFO } from './scenario.ts';
export type { Scenario, NodeSpec, EdgeSpec, NodeKind, Rule, Action, Condition, Expr, Template, FieldError, Restored, KindInfo } from './scenario.ts';
export { restoreSession, restoreSessionOrScenario, SESSION_FORMAT, SESSION_VERSION } from './session.ts';
export type { Session } from './session.ts';
export type { Intent, Input } from './inputs.ts';
export { ruleText } from './rules.ts';
export { murmur2, partitionForKey } from './murmur2.ts';
