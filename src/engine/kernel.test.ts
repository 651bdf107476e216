// The kernel and its module interface ([K7]–[K10]): the kernel runs whatever modules it is
// built with, knows none of them by name, and checkpoints every module's state.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Kernel } from './kernel.ts';
import { createEngine } from './engine.ts';
import { restoreScenario, type Scenario } from './scenario.ts';
import { restoreSessionOrScenario } from './session.ts';
import type { Module } from './kind.ts';
import type { NodeView } from './views.ts';
import { S_INJECT } from './steps.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const KIND_NAMES = ['topic', 'queue', 'producer', 'consumer', 'projection', 'saga', 'aggregate'];

function scenario(json: unknown): Scenario {
  const r = restoreScenario(json);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

/** A module of the test's own: it runs topic nodes as counters that tick every 10 ms. */
class Ticker implements Module {
  readonly kinds = ['topic'];
  private ticks = 0;
  private readonly A_TICK: number;
  constructor(private readonly k: Kernel) {
    this.A_TICK = k.action({
      run: (node) => {
        this.ticks++;
        k.record(S_INJECT, node, -1, this.ticks, `tick ${this.ticks}`);
        if (this.ticks < 5) k.schedule(k.now + 10, this.A_TICK, node, 0, 0);
        return true;
      },
      describe: (node, _b, _c, at) => `${k.nodes[node].id} ticks ${at}`,
    });
  }
  start(): void {
    this.k.schedule(10, this.A_TICK, 0, 0, 0);
  }
  readonly intents = {
    outage: {
      refuse: () => (this.ticks >= 5 ? 'it has stopped ticking' : null),
      apply: (node: number) => {
        this.ticks = 0;
        this.k.record(S_INJECT, node, -1, 0, 'reset');
      },
    },
  };
  view(): NodeView {
    return { kind: 'topic', partitions: [], deadLetters: [], ticks: this.ticks } as unknown as NodeView;
  }
  capture(): number {
    return this.ticks;
  }
  restore(state: unknown): void {
    this.ticks = state as number;
  }
}

describe('the kernel', () => {
  it('[K7] knows no node kind by name: no kind appears as a literal in the kernel, and it imports no module', () => {
    for (const file of ['kernel.ts', 'kind.ts', 'log.ts', 'queue.ts']) {
      // Code only: comments may name kinds as examples.
      const src = readFileSync(join(here, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const kind of KIND_NAMES) expect(src, `${file} names the kind ${kind}`).not.toMatch(new RegExp(`['"\`]${kind}['"\`]`));
      expect(src, `${file} imports a module`).not.toMatch(/from '\.\/(kinds\/|network|deadletters|invariants)/);
    }
  });

  it('[K7] runs the modules it is built with: their actions, intents, views and explanations', () => {
    const s = scenario({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 'clock', kind: 'topic' }], edges: [] });
    const k = new (class extends Kernel {
      views() {
        return this.nodeViews();
      }
    })(s, {}, [Ticker]);
    expect(k.nextAction()).toBe('clock ticks at 10 ms');
    k.runUntilIdle();
    expect(k.steps().map((x) => x.text)).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5']);
    expect((k.views().clock as unknown as { ticks: number }).ticks).toBe(5);
    // An intent it takes, refused by its own reason; one it does not take, refused naming the kind ([K10]).
    expect(k.act({ kind: 'outage', node: 'clock', durationMs: 5, mode: 'down' })).toEqual({ ok: false, reason: 'it has stopped ticking' });
    expect(k.act({ kind: 'fire', node: 'clock' })).toEqual({ ok: false, reason: 'clock is a topic: only producers fire events' });
    // Its state is in the checkpoints ([K8]): back at step 2 it has ticked twice, and it can act there.
    k.seek(2);
    expect((k.views().clock as unknown as { ticks: number }).ticks).toBe(2);
    expect(k.act({ kind: 'outage', node: 'clock', durationMs: 5, mode: 'down' })).toEqual({ ok: true });
    expect((k.views().clock as unknown as { ticks: number }).ticks).toBe(0);
  });

  it('[K8] seeking to any step gives exactly what a fresh run to that step gives, for every example and lesson', () => {
    const root = join(here, '../..');
    const files = [
      ...readdirSync(join(root, 'src/examples'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(root, 'src/examples', f)),
      ...readdirSync(join(root, 'lessons'))
        .map((d) => join(root, 'lessons', d, 'solution.json'))
        .filter((f) => existsSync(f)),
    ];
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const r = restoreSessionOrScenario(JSON.parse(readFileSync(file, 'utf8')));
      if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.errors)}`);
      const { scenario: sc, seed, inputs } = r.value;
      // Checkpoints every 3 steps, so seeks restore a checkpoint and then re-execute.
      const e = createEngine(sc, { seed, inputs, checkpointEvery: 3 });
      e.runUntilIdle(3000);
      const end = e.step;
      // (Not `end` first: running to idle also consumed actions that turned out to do nothing,
      // which a run stopped at `end` has still ahead; a seek stops at the step as a fresh run does.)
      for (const k of [Math.floor(end / 2), 1, end, Math.floor((end * 3) / 4), 0]) {
        e.seek(k);
        const fresh = createEngine(sc, { seed, inputs });
        fresh.stepForward(k);
        expect(e.view(), `${file} at step ${k}`).toEqual({ ...fresh.view(), horizon: e.horizon });
        // A record sent but not appended by step k has no offset yet in a fresh run; after a
        // seek the recording already knows where it lands. Everything else is the same.
        const known = fresh.steps().map((x) => x.offset);
        expect(e.steps(0, k).map((x, i) => (known[i] === -1 ? { ...x, offset: -1 } : x))).toEqual(fresh.steps());
      }
    }
  });

  it('[K6] expire() drops exactly the pending actions that have expired, and the rest run in their order', () => {
    // Jobs at 10, 20, …, 60 ms, each of the epoch it was scheduled in, and notes at 15 and 35
    // ms that never expire. An outage bumps the epoch: the jobs of the old one are dropped.
    class Jobs implements Module {
      readonly kinds = ['topic'];
      epoch = 0;
      private readonly A_JOB: number;
      private readonly A_NOTE: number;
      constructor(private readonly k: Kernel) {
        this.A_JOB = k.action({
          run: (n) => (k.record(S_INJECT, 0, -1, n, `job ${n}`), true),
          expired: (_n, epoch) => epoch !== this.epoch,
          describe: (n, _b, _c, at) => `job ${n} ${at}`,
        });
        this.A_NOTE = k.action({ run: (n) => (k.record(S_INJECT, 0, -1, n, `note ${n}`), true), describe: (n, _b, _c, at) => `note ${n} ${at}` });
      }
      start(): void {
        for (let n = 1; n <= 6; n++) this.k.schedule(10 * n, this.A_JOB, n, 0, 0);
        this.k.schedule(15, this.A_NOTE, 1, 0, 0);
        this.k.schedule(35, this.A_NOTE, 2, 0, 0);
      }
      readonly intents = {
        outage: {
          refuse: () => null,
          apply: () => {
            this.epoch++;
            this.k.expire();
            this.k.schedule(this.k.now + 1, this.A_JOB, 7, this.epoch, 0);
            this.k.record(S_INJECT, 0, -1, 0, 'new epoch');
          },
        },
      };
      capture(): number {
        return this.epoch;
      }
      restore(state: unknown): void {
        this.epoch = state as number;
      }
    }
    const s = scenario({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 'clock', kind: 'topic' }], edges: [] });
    const k = new Kernel(s, { checkpointEvery: 2 }, [Jobs]);
    k.stepForward(3);
    expect(k.act({ kind: 'outage', node: 'clock', durationMs: 5, mode: 'down' })).toEqual({ ok: true });
    expect(k.nextAction()).toBe('job 7 at 21 ms');
    k.runUntilIdle();
    expect(k.steps().map((x) => x.text)).toEqual(['job 1', 'note 1', 'job 2', 'new epoch', 'job 7', 'note 2']);
    // A seek back before the outage finds the old jobs pending again, and replays the same.
    k.seek(2);
    expect(k.nextAction()).toBe('job 2 at 20 ms');
    k.runUntilIdle();
    expect(k.steps().map((x) => x.text)).toEqual(['job 1', 'note 1', 'job 2', 'new epoch', 'job 7', 'note 2']);
  });

  it('[K9] views come in scenario order, and at equal times the first actions run in module order', () => {
    const s = scenario({
      format: 'eventfold/scenario',
      version: 1,
      nodes: [
        { id: 'c', kind: 'consumer' },
        { id: 'q', kind: 'queue' },
        { id: 'p', kind: 'producer', config: { templates: [{ type: 'A' }] } },
        { id: 't', kind: 'topic' },
      ],
      edges: [
        { source: 'p', target: 't' },
        { source: 't', target: 'c' },
      ],
      schedule: [{ at: 0, kind: 'fire', node: 'p' }],
    });
    const e = createEngine(s);
    expect(Object.keys(e.view().nodes)).toEqual(['c', 'q', 'p', 't']);
    e.stepForward(2);
    // The group's first rebalance was scheduled before the scenario's own action at time 0.
    expect(e.steps().map((x) => [x.time, x.kind])).toEqual([
      [0, 'rebalance'],
      [0, 'fire'],
    ]);
  });

  it('[K10] an intent at a node of a kind that does not take it is refused naming the kind', () => {
    const e = createEngine(scenario({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 't', kind: 'topic' }, { id: 'p', kind: 'producer' }], edges: [] }));
    expect(e.act({ kind: 'crash', node: 't' })).toEqual({ ok: false, reason: 't is a topic: only consumers can be crashed' });
    expect(e.act({ kind: 'rebuild', node: 'p' })).toEqual({ ok: false, reason: 'p is a producer: only a projection can be rebuilt' });
    expect(e.act({ kind: 'command', node: 't', stream: 's', command: 'X' })).toEqual({ ok: false, reason: 't is a topic: commands go to an aggregate' });
    expect(e.act({ kind: 'fire', node: 'nope' })).toEqual({ ok: false, reason: 'there is no node "nope"' });
  });
});
