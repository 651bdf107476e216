// The state machine of one saga instance as a small graph to draw ([W4], [W7]): the happy
// path started → step 1 … step n → completed on top, the compensations undo n−1 … undo 1 →
// compensated below it, and failed. Each state and transition is marked taken, current,
// ahead (the path still to go from where the instance is) or off (another way it could go).
// Pure: it reads the saga's view at the playhead, so stepping back redraws it.
import type { SagaView } from '../../../engine/views.ts';
import type { SagaSpec } from '../../../engine/scenario.ts';

export type Mark = 'taken' | 'current' | 'ahead' | 'off';
export type Instance = SagaView['instances'][number];

export interface MachineState {
  id: string;
  label: string;
  /** How far along the path (col) and which lane (row 0: the happy path, row 1: compensations). */
  col: number;
  row: number;
  mark: Mark;
  /** Went wrong here (the failed step, the compensation that failed). */
  bad: boolean;
}
export interface MachineEdge {
  from: string;
  to: string;
  kind: 'success' | 'failure' | 'undo';
  mark: Mark;
}
export interface Machine {
  states: MachineState[];
  edges: MachineEdge[];
  /** One sentence: where the instance is and what is still ahead. */
  summary: string;
}

/** Per step: its name and whether it has a compensation. */
export interface StepInfo {
  name: string;
  compensable: boolean;
}

/** The machine of `inst` for a saga with these steps. */
export function sagaMachine(steps: readonly StepInfo[], inst: Instance): Machine {
  const n = steps.length;
  const states: MachineState[] = [];
  const at = (id: string) => states.find((s) => s.id === id)!;
  states.push({ id: 'started', label: 'started', col: 0, row: 0, mark: 'taken', bad: false });
  steps.forEach((st, i) => states.push({ id: `step-${i}`, label: `${i + 1} ${st.name}`, col: i + 1, row: 0, mark: 'off', bad: false }));
  states.push({ id: 'completed', label: 'completed', col: n + 1, row: 0, mark: 'off', bad: false });
  states.push({ id: 'compensated', label: 'compensated', col: 0, row: 1, mark: 'off', bad: false });
  // The last step is never undone: when it succeeds the saga is completed.
  for (let i = 0; i < n - 1; i++) {
    states.push({ id: `undo-${i}`, label: steps[i].compensable ? `undo ${steps[i].name}` : `${steps[i].name}: nothing to undo`, col: i + 1, row: 1, mark: 'off', bad: false });
  }
  states.push({ id: 'failed', label: 'failed', col: n, row: 1, mark: 'off', bad: false });

  const edges: MachineEdge[] = [];
  edges.push({ from: 'started', to: n > 0 ? 'step-0' : 'completed', kind: 'success', mark: 'off' });
  for (let i = 0; i < n; i++) {
    edges.push({ from: `step-${i}`, to: i + 1 < n ? `step-${i + 1}` : 'completed', kind: 'success', mark: 'off' });
    edges.push({ from: `step-${i}`, to: i > 0 ? `undo-${i - 1}` : 'compensated', kind: 'failure', mark: 'off' });
  }
  for (let i = 0; i < n - 1; i++) edges.push({ from: `undo-${i}`, to: i > 0 ? `undo-${i - 1}` : 'compensated', kind: 'undo', mark: 'off' });
  const edge = (from: string, to: string) => edges.find((e) => e.from === from && e.to === to);

  // The path the instance took, then the one still ahead, as lists of state ids.
  const taken: string[] = ['started'];
  let ahead: string[] = [];
  const done = inst.done.length; // steps run in order: done is steps 0 … done−1
  for (let i = 0; i < done; i++) taken.push(`step-${i}`);
  const undoChain = (from: number) => [...Array.from({ length: from + 1 }, (_, k) => `undo-${from - k}`), 'compensated'];
  let summary: string;
  switch (inst.state) {
    case 'running': {
      const k = inst.step ?? done;
      ahead = [...Array.from({ length: n - k - 1 }, (_, j) => `step-${k + 1 + j}`), 'completed'];
      taken.push(`step-${k}`);
      summary = `running step ${k + 1} "${steps[k]?.name ?? ''}"; ahead: ${[...steps.slice(k + 1).map((s) => s.name), 'completed'].join(' → ')}`;
      break;
    }
    case 'completed':
      taken.push('completed');
      summary = 'completed: every step succeeded';
      break;
    case 'compensating': {
      // Step `done` failed; `remaining` holds the undos still to happen, the current one first.
      taken.push(`step-${done}`);
      at(`step-${done}`).bad = true;
      const left = inst.remaining.length;
      const chain = undoChain(done - 1); // undo done−1 … undo 0, compensated
      const passed = chain.length - 1 - left;
      taken.push(...chain.slice(0, passed + 1));
      ahead = chain.slice(passed + 1);
      summary = `compensating: ${inst.remaining.join(' → ')} → compensated`;
      break;
    }
    case 'compensated':
      taken.push(`step-${done}`);
      at(`step-${done}`).bad = true;
      taken.push(...(done > 0 ? undoChain(done - 1) : ['compensated']));
      summary = `compensated: step ${done + 1} "${steps[done]?.name ?? ''}" failed and ${done === 0 ? 'nothing had to be undone' : 'every step before it was undone, last first'}`;
      break;
    case 'failed': {
      taken.push(`step-${done}`);
      at(`step-${done}`).bad = true;
      // The compensation that failed, from the history ("undo NAME ✗").
      const last = [...inst.history].reverse().find((h) => h.startsWith('undo ') && h.endsWith(' ✗'));
      const name = last ? last.slice(5, -2) : '';
      let j = -1;
      for (let i = done - 1; i >= 0; i--) if (steps[i].name === name) j = i;
      const chain = undoChain(done - 1);
      const upTo = j >= 0 ? chain.indexOf(`undo-${j}`) : chain.length - 2;
      taken.push(...chain.slice(0, upTo + 1), 'failed');
      if (j >= 0) at(`undo-${j}`).bad = true;
      edges.push({ from: chain[upTo], to: 'failed', kind: 'failure', mark: 'taken' });
      summary = `failed: undoing "${name}" failed; the saga needs a person`;
      break;
    }
  }
  // Mark states and the transitions between consecutive states of each path.
  taken.forEach((id, i) => (at(id).mark = i === taken.length - 1 ? 'current' : 'taken'));
  ahead.forEach((id) => (at(id).mark = 'ahead'));
  const link = (path: string[], mark: Mark) => {
    for (let i = 1; i < path.length; i++) {
      const e = edge(path[i - 1], path[i]);
      if (e) e.mark = mark;
    }
  };
  link(taken.filter((id) => id !== 'failed'), 'taken');
  link([taken.at(-1)!, ...ahead], 'ahead');
  return { states, edges, summary };
}

/**
 * The connections (edge ids) an instance's messages still have to travel: from the saga to
 * the topics of the steps ahead (the undos ahead while compensating) and of its last
 * message, and on from those topics to whoever reads them. Empty once it has settled.
 */
export function pathAhead(
  saga: string,
  config: Partial<SagaSpec['config']>,
  inst: Instance,
  edges: readonly { id: string; source: string; target: string }[],
): string[] {
  const steps = config.steps ?? [];
  const topics = new Set<string>();
  if (inst.state === 'running') {
    for (const st of steps.slice(inst.step ?? inst.done.length)) topics.add(st.command.topic);
    if (config.onCompleted) topics.add(config.onCompleted.topic);
  } else if (inst.state === 'compensating') {
    for (const undo of inst.remaining) {
      const st = steps.find((s) => `undo ${s.name}` === undo);
      if (st?.compensation) topics.add(st.compensation.topic);
    }
    if (config.onCompensated) topics.add(config.onCompensated.topic);
  }
  return edges.filter((e) => (e.source === saga && topics.has(e.target)) || topics.has(e.source)).map((e) => e.id);
}
