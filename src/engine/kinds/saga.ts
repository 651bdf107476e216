// The `saga` node kind ([W1]–[W7]): an orchestrated process manager. It runs as a consumer of
// a group of its own (consumer.ts) whose handler is the saga's state machine: the trigger
// starts an instance per correlation id; each step sends a command and waits for its success
// or failure reply (or a timeout); a failure compensates the steps that succeeded, last first.
import type { Kernel } from '../kernel.ts';
import type { IntentHandlers, Module, StepInfo } from '../kind.ts';
import type { SagaView } from '../views.ts';
import type { Expr, Invariant, SagaSpec } from '../scenario.ts';
import { compileRules, type CompiledRules } from '../rules.ts';
import { Network } from '../network.ts';
import { ConsumerGroups, ownGroupMember } from './consumer.ts';
import { S_INJECT, S_SAGA, fmtMs } from '../steps.ts';

/** One run of a saga, keyed by the correlation id of the event that started it ([W1]). */
interface SagaInstance {
  corr: number;
  trigger: number;
  state: 'running' | 'completed' | 'compensating' | 'compensated' | 'failed';
  /** The step running now (while running). */
  step: number;
  /** Steps that succeeded, in order. */
  done: number[];
  /** While compensating: index into `done` of the step being undone. */
  undo: number;
  /** Steps whose success reply is ignored (an injected timeout). */
  deaf: number;
  history: string[];
}

interface SagaRt {
  index: number;
  node: number;
  id: string;
  spec: SagaSpec;
  member: number;
  send: CompiledRules[];
  undo: (CompiledRules | null)[];
  completed: CompiledRules | null;
  compensated: CompiledRules | null;
  /** Faults armed per step for the next instance that reaches it (state). */
  armed: Map<number, 'fail' | 'timeout'>;
  instances: Map<number, SagaInstance>;
}
type SagaState = Pick<SagaRt, 'armed' | 'instances'>;

export class SagaKind implements Module {
  readonly kinds = ['saga'] as const;
  readonly idleChecks = ['saga-settled'] as const;
  private readonly sagas: SagaRt[] = [];
  private readonly sagaOfNode = new Map<number, number>();
  private groups!: ConsumerGroups;
  private net!: Network;
  private readonly A_TIMEOUT: number;

  constructor(private readonly k: Kernel) {
    // a = saga, b = instance (correlation record), c = step * 2 + (injected failure ? 1 : 0)
    this.A_TIMEOUT = k.action({
      run: (a, b, c) => this.timeout(a, b, c),
      describe: (a, b, c, at) => `${this.sagas[a].id} checks step ${(c >> 1) + 1} of the instance for evt-${b} ${at}`,
    });
  }

  build(): void {
    const k = this.k;
    const msg = (x: { topic: string; type: string; data?: Record<string, Expr> }) => compileRules([{ on: '*', do: [{ do: 'emit', topic: x.topic, type: x.type, key: { event: 'key' }, ...(x.data ? { data: x.data } : {}) }] }]);
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'saga') return;
      k.get(ConsumerGroups).declare(i, ownGroupMember(n, n.config.processingMs, [], [], null));
      this.sagaOfNode.set(i, this.sagas.length);
      this.sagas.push({
        index: this.sagas.length,
        node: i,
        id: n.id,
        spec: n,
        member: -1,
        send: n.config.steps.map((st) => msg(st.command)),
        undo: n.config.steps.map((st) => (st.compensation ? msg(st.compensation) : null)),
        completed: n.config.onCompleted ? msg(n.config.onCompleted) : null,
        compensated: n.config.onCompensated ? msg(n.config.onCompensated) : null,
        armed: new Map(),
        instances: new Map(),
      });
    });
  }

  link(): void {
    this.groups = this.k.get(ConsumerGroups);
    this.net = this.k.get(Network);
    for (const saga of this.sagas) {
      saga.member = this.groups.memberOfNode.get(saga.node)!;
      this.groups.members[saga.member].onHandle = (rec) => this.handle(saga, rec);
    }
  }

  /** [W1]–[W4] A saga reads an event: start an instance, advance it, or compensate. */
  private handle(saga: SagaRt, rec: number): void {
    const L = this.k.records;
    const cfg = saga.spec.config;
    const corr = L.evCorr(rec);
    const type = L.evType(rec);
    let inst = saga.instances.get(corr);
    let note: string;
    if (!inst) {
      if (type === cfg.trigger && cfg.steps.length > 0) {
        inst = { corr, trigger: rec, state: 'running', step: 0, done: [], undo: -1, deaf: -1, history: ['started'] };
        saga.instances.set(corr, inst);
        note = `${saga.id} started an instance for evt-${corr}: ${this.sendStep(saga, inst, 0, rec)}`;
      } else {
        note = `${saga.id} has no instance for evt-${corr} and ${type} does not start one: ignored`;
      }
    } else if (inst.state === 'running') {
      const st = cfg.steps[inst.step];
      if (type === st.success && inst.deaf === inst.step) {
        note = `${type} arrived, but too late for step ${inst.step + 1} "${st.name}" (you made it time out): ignored`;
      } else if (type === st.success) {
        inst.done.push(inst.step);
        inst.history.push(`${st.name} ✓`);
        inst.step++;
        if (inst.step === cfg.steps.length) {
          inst.state = 'completed';
          inst.history.push('completed');
          note = `${saga.id}: step ${inst.step} "${st.name}" succeeded (${type}); every step is done: the saga completed${this.notify(saga, inst, saga.completed, rec)}`;
        } else {
          note = `${saga.id}: step ${inst.step} "${st.name}" succeeded (${type}); ${this.sendStep(saga, inst, inst.step, rec)}`;
        }
      } else if (st.failure !== null && type === st.failure) {
        inst.history.push(`${st.name} ✗`);
        note = `${saga.id}: step ${inst.step + 1} "${st.name}" failed (${type}); ${this.compensate(saga, inst, rec)}`;
      } else {
        note = `${saga.id} waits for ${st.success}${st.failure ? ` or ${st.failure}` : ''} for step ${inst.step + 1} "${st.name}": ${type} changes nothing`;
      }
    } else if (inst.state === 'compensating') {
      const undoing = cfg.steps[inst.done[inst.undo]];
      const comp = undoing.compensation!;
      if (comp.success !== undefined && type === comp.success) {
        inst.history.push(`${undoing.name} undone`);
        inst.undo--;
        note = `${saga.id}: "${undoing.name}" was undone (${type}); ${this.continueUndo(saga, inst, rec)}`;
      } else if (comp.failure !== undefined && type === comp.failure) {
        inst.state = 'failed';
        inst.history.push(`undo ${undoing.name} ✗`, 'failed');
        note = `${saga.id}: undoing "${undoing.name}" failed (${type}): the saga is failed and needs a person`;
      } else {
        note = `${saga.id} is compensating and waits for ${comp.success}: ${type} changes nothing`;
      }
    } else {
      note = `${saga.id}'s instance for evt-${corr} is already ${inst.state}: ${type} changes nothing`;
    }
    this.k.record(S_SAGA, saga.node, rec, 0, note);
    this.groups.finishDelivery(saga.member, rec);
  }

  /** Sends step `step`'s command; arms its timeout and any injected fault ([W2], [W5]). */
  private sendStep(saga: SagaRt, inst: SagaInstance, step: number, cause: number): string {
    const k = this.k;
    const st = saga.spec.config.steps[step];
    inst.step = step;
    this.emit(saga, saga.send[step], inst, cause);
    const fault = saga.armed.get(step);
    let extra = '';
    if (fault === 'fail') {
      saga.armed.delete(step);
      k.schedule(k.now + Math.max(1, saga.spec.config.processingMs), this.A_TIMEOUT, saga.index, inst.corr, step * 2 + 1);
      extra = ' (you injected a failure here)';
    } else {
      if (fault === 'timeout') {
        saga.armed.delete(step);
        inst.deaf = step;
        extra = ' (you made this step time out: its reply will come too late)';
      }
      if (st.timeoutMs !== null) k.schedule(k.now + st.timeoutMs, this.A_TIMEOUT, saga.index, inst.corr, step * 2);
    }
    return `step ${step + 1} "${st.name}": sent ${st.command.type} to ${st.command.topic}${extra}`;
  }

  private emit(saga: SagaRt, rules: CompiledRules, inst: SagaInstance, cause: number): void {
    const k = this.k;
    const L = k.records;
    const reader = k.reader;
    const mem = this.groups.members[saga.member];
    reader.ev = inst.trigger;
    reader.store = this.groups.groups[mem.group].store;
    const out = rules.run(L.evType(inst.trigger), reader);
    for (const e of out.emits) {
      const topic = k.channelIndex(e.topic);
      const child = L.createEvent(e.type, L.evKey(inst.trigger), e.data, saga.node, topic, cause, 1, -1);
      this.net.send(child, mem.sender, this.net.latency(saga.node, L.channels[topic].node));
    }
  }

  private notify(saga: SagaRt, inst: SagaInstance, rules: CompiledRules | null, cause: number): string {
    if (!rules) return '';
    this.emit(saga, rules, inst, cause);
    const msg = inst.state === 'completed' ? saga.spec.config.onCompleted! : saga.spec.config.onCompensated!;
    return `; sent ${msg.type} to ${msg.topic}`;
  }

  /** [W3] Compensate the steps that succeeded, in reverse order. */
  private compensate(saga: SagaRt, inst: SagaInstance, cause: number): string {
    inst.state = 'compensating';
    inst.undo = inst.done.length - 1;
    return `compensating the ${inst.done.length} step${inst.done.length === 1 ? '' : 's'} that succeeded, last first: ${this.continueUndo(saga, inst, cause)}`;
  }

  private continueUndo(saga: SagaRt, inst: SagaInstance, cause: number): string {
    const steps = saga.spec.config.steps;
    const sent: string[] = [];
    while (inst.undo >= 0) {
      const idx = inst.done[inst.undo];
      const comp = steps[idx].compensation;
      if (!comp) {
        inst.undo--;
        continue;
      }
      this.emit(saga, saga.undo[idx]!, inst, cause);
      sent.push(`sent ${comp.type} to undo "${steps[idx].name}"`);
      if (comp.success !== undefined) return `${sent.join('; ')}, and waits for ${comp.success}`;
      inst.history.push(`${steps[idx].name} undone`);
      inst.undo--;
    }
    inst.state = 'compensated';
    inst.history.push('compensated');
    return `${sent.length ? `${sent.join('; ')}; ` : ''}every step is undone: the saga is compensated${this.notify(saga, inst, saga.compensated, cause)}`;
  }

  private timeout(si: number, corr: number, code: number): boolean {
    const saga = this.sagas[si];
    const inst = saga.instances.get(corr);
    const step = code >> 1;
    if (!inst || inst.state !== 'running' || inst.step !== step) return false;
    const st = saga.spec.config.steps[step];
    const injected = (code & 1) === 1;
    inst.history.push(`${st.name} ${injected ? '✗ (injected)' : '⏱'}`);
    const why = injected ? `you injected a failure at step ${step + 1} "${st.name}"` : `step ${step + 1} "${st.name}" had no reply within ${fmtMs(st.timeoutMs!)}: a timeout counts as a failure`;
    this.k.record(S_SAGA, saga.node, inst.trigger, 1, `${saga.id}: ${why}; ${this.compensate(saga, inst, inst.trigger)}`);
    return true;
  }

  readonly intents: IntentHandlers = {
    'saga-fault': {
      refuse: (i, intent) => {
        const node = this.sagas[this.sagaOfNode.get(i)!].spec;
        const st = node.config.steps[intent.step];
        if (!st) return `${node.id} has no step ${intent.step + 1}`;
        if (intent.fault === 'timeout' && st.timeoutMs === null) return `step ${intent.step + 1} "${st.name}" has no timeout: give it a timeoutMs first`;
        return null;
      },
      apply: (i, input) => {
        const saga = this.sagas[this.sagaOfNode.get(i)!];
        saga.armed.set(input.step, input.fault);
        const st = saga.spec.config.steps[input.step];
        this.k.record(S_INJECT, i, -1, 0, `You armed a ${input.fault === 'fail' ? 'failure' : 'timeout'} at step ${input.step + 1} "${st.name}" of ${input.node}: the next instance that reaches it ${input.fault === 'fail' ? 'fails there' : 'gets its reply too late'}`);
      },
    },
  };

  /** [W6] Saga instances that ended neither completed nor compensated. */
  idleCheck(_inv: Invariant, node: number): string | null {
    const saga = this.sagas[this.sagaOfNode.get(node)!];
    const stuck = [...saga.instances.values()].filter((i) => i.state !== 'completed' && i.state !== 'compensated');
    return stuck.length ? stuck.map((i) => `the instance for evt-${i.corr} is ${i.state}${i.state === 'running' ? ` at step ${i.step + 1} "${saga.spec.config.steps[i.step].name}"` : ''}`).join('; ') : null;
  }

  view(node: number): SagaView {
    const saga = this.sagas[this.sagaOfNode.get(node)!];
    const names = saga.spec.config.steps.map((st) => st.name);
    return {
      kind: 'saga',
      alive: this.groups.members[saga.member].alive,
      steps: names,
      armed: [...saga.armed].map(([step, fault]) => ({ step, fault })),
      instances: [...saga.instances.values()].map((inst) => ({
        id: `evt-${inst.corr}`,
        state: inst.state,
        step: inst.state === 'running' ? inst.step : null,
        done: inst.done.map((d) => names[d]),
        remaining: inst.state === 'running' ? names.slice(inst.step) : inst.state === 'compensating' ? inst.done.slice(0, inst.undo + 1).reverse().map((d) => `undo ${names[d]}`) : [],
        history: [...inst.history],
      })),
    };
  }

  explain(s: StepInfo): string | undefined {
    if (!this.sagaOfNode.has(s.node)) return undefined;
    return this.groups.explainMember(s);
  }

  capture(): SagaState[] {
    return this.sagas.map(copySagaState);
  }

  restore(state: unknown): void {
    (state as SagaState[]).forEach((g, i) => Object.assign(this.sagas[i], copySagaState(g)));
  }
}

function copySagaState(g: SagaState): SagaState {
  return {
    armed: new Map(g.armed),
    instances: new Map([...g.instances].map(([key, i]) => [key, { ...i, done: [...i.done], history: [...i.history] }])),
  };
}
