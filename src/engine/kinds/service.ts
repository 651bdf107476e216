// The `service` node kind ([RR1]–[RR6]): synchronous request-response between services, the
// coupling events take away. A request reaches a service from a producer acting as its client
// (the producer publishes into the service's own channel, so outages and the network work
// unchanged) or from a service that calls it. The service takes one of its `concurrency`
// slots (or waits in line for one), works `processingMs`, then calls each service it is
// connected to in turn, holding its slot while it waits for each reply, up to `timeoutMs`.
// A callee that is down, cut off or too slow makes its caller time out and fail in turn: the
// cascade. A circuit breaker per callee ([RR4], breaker.ts) fails calls fast while open. A
// request that got every reply is published as an event to the topics and queues the
// service is connected to, and answered.
import type { Kernel } from '../kernel.ts';
import type { IntentHandlers, Module, StepInfo } from '../kind.ts';
import type { ServiceSpec } from '../scenario.ts';
import { Network } from '../network.ts';
import { allow, settle, halfOpen, newBreaker, copyBreaker, BREAKER_STATES, CLOSED, OPEN, HALF_OPEN, type Breaker, type BreakerStateName } from './breaker.ts';
import { S_BREAKER, S_CALL, S_CRASH, S_DEDUP, S_PUBLISH, S_REPLY, S_REQUEST, S_RESTART, S_SENDFAIL, S_TIMEOUT, fmtMs } from '../steps.ts';

export interface ServiceView {
  kind: 'service';
  alive: boolean;
  concurrency: number;
  /** Requests holding a slot: being worked on or waiting for a reply. */
  inFlight: number;
  /** Requests waiting for a free slot. */
  waiting: number;
  received: number;
  /** Requests answered with success. */
  ok: number;
  /** Requests answered with a failure (a call failed, timed out or was failed fast). */
  failed: number;
  /** Requests that arrived while it was down, or were dropped when it crashed. */
  lost: number;
  /** Calls it made that timed out. */
  timedOut: number;
  /** Calls its breakers failed fast, without making them. */
  failedFast: number;
  /** Milliseconds from arrival to answer: the last, the mean and the longest. */
  latency: { last: number; mean: number; max: number };
  calls: { to: string; breaker: BreakerStateName | null; timedOut: number; failedFast: number }[];
  publishesTo: string[];
}

declare module '../views.ts' {
  interface NodeViews {
    service: ServiceView;
  }
}

/** A request a service serves. */
interface Req {
  svc: number;
  /** The record that started the chain (the client's event): every step of the chain shows it. */
  root: number;
  /** The call it answers, or -1 for a client's request. */
  call: number;
  arrived: number;
  /** When it took its slot. */
  took: number;
  /** 0 waiting for a slot, 1 working, 2 calling, 3 done. */
  state: number;
  /** Which callee it calls next. */
  next: number;
  epoch: number;
  /** Why it failed, once it did. */
  why: string;
}

/** A call from one service's request to another service. */
interface Call {
  req: number;
  callee: number;
  sent: number;
  /** 0 waiting for a reply, 1 answered ok, 2 answered with a failure, 3 timed out, 4 abandoned (its caller crashed). */
  state: number;
  /** The call is a half-open breaker's trial. */
  trial: boolean;
}

interface Counts {
  received: number;
  ok: number;
  failed: number;
  lost: number;
  latSum: number;
  latN: number;
  latMax: number;
  latLast: number;
}

interface SvcState {
  alive: boolean;
  lifeEpoch: number;
  busy: number;
  line: number[];
  counts: Counts;
  breakers: Breaker[];
  timedOut: number[];
  failedFast: number[];
}

interface SvcRt extends SvcState {
  node: number;
  id: string;
  spec: ServiceSpec;
  /** Its channel (a client's requests arrive there). */
  c: number;
  /** Services it calls, in connection order (service indexes). */
  callees: number[];
  /** Channels it publishes to. */
  outs: number[];
  sender: number;
}

const copySvc = (s: SvcState): SvcState => ({
  alive: s.alive,
  lifeEpoch: s.lifeEpoch,
  busy: s.busy,
  line: [...s.line],
  counts: { ...s.counts },
  breakers: s.breakers.map(copyBreaker),
  timedOut: [...s.timedOut],
  failedFast: [...s.failedFast],
});

interface State {
  svcs: SvcState[];
  reqs: Req[];
  calls: Call[];
}

const BACKOFF_MS = 100;

export class ServiceKind implements Module {
  readonly kinds = ['service'] as const;
  readonly optionalName = 'service';
  private readonly svcs: SvcRt[] = [];
  private readonly svcOfNode = new Map<number, number>();
  private reqs: Req[] = [];
  private calls: Call[] = [];
  private net!: Network;
  private readonly A_ARRIVE: number;
  private readonly A_CALLED: number;
  private readonly A_WORKED: number;
  private readonly A_REPLY: number;
  private readonly A_TIMEOUT: number;
  private readonly A_HALF: number;
  private readonly A_RESTART: number;
  private readonly A_NEXT: number;
  private readonly A_FAIL: number;
  private readonly A_BREAKER: number;
  private readonly A_OUT: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    const name = (s: number) => this.svcs[s].id;
    // a = service, b = offset in its channel
    this.A_ARRIVE = k.action({ run: (a, b) => (this.arrive(a, b), true), describe: (a, _b, _c, at) => `a client's request reaches ${name(a)} ${at}` });
    // a = call
    this.A_CALLED = k.action({ run: (a) => (this.called(a), true), describe: (a, _b, _c, at) => `${name(this.reqs[this.calls[a].req].svc)}'s call reaches ${name(this.calls[a].callee)} ${at}` });
    // a = request, b = its service's life epoch
    this.A_WORKED = k.action({
      run: (a) => (this.worked(a), true),
      stale: (a, b) => this.svcs[this.reqs[a].svc].lifeEpoch !== b,
      describe: (a, _b, _c, at) => `${name(this.reqs[a].svc)} finishes working on ${L.idOf(this.reqs[a].root)} ${at}`,
    });
    // a = call, b = 1 ok / 0 failure
    this.A_REPLY = k.action({ run: (a, b) => (this.replied(a, b === 1), true), describe: (a, _b, _c, at) => `${name(this.calls[a].callee)}'s reply reaches ${name(this.reqs[this.calls[a].req].svc)} ${at}` });
    // a = call
    this.A_TIMEOUT = k.action({
      run: (a) => (this.timedOut(a), true),
      stale: (a) => this.calls[a].state !== 0,
      describe: (a, _b, _c, at) => `${name(this.reqs[this.calls[a].req].svc)} gives up waiting for ${name(this.calls[a].callee)} ${at}`,
    });
    // a = service, b = callee position, c = the breaker's opening number
    this.A_HALF = k.action({
      run: (a, b) => (this.half(a, b), true),
      stale: (a, b, c) => this.svcs[a].breakers[b].opened !== c || this.svcs[a].breakers[b].state !== OPEN,
      describe: (a, b, _c, at) => `${name(a)}'s breaker for ${name(this.svcs[a].callees[b])} half-opens ${at}`,
    });
    // Each action takes one trace step: what follows a reply, a timeout or a breaker's
    // change is its own action, scheduled at the same time.
    // a = request, b = its service's life epoch
    const gone = (a: number, b: number) => this.svcs[this.reqs[a].svc].lifeEpoch !== b || this.reqs[a].state === 3;
    this.A_NEXT = k.action({ run: (a) => (this.callNext(a), true), stale: gone, describe: (a, _b, _c, at) => `${name(this.reqs[a].svc)} goes on with ${L.idOf(this.reqs[a].root)} ${at}` });
    this.A_FAIL = k.action({ run: (a) => (this.finish(a, false), true), stale: gone, describe: (a, _b, _c, at) => `${name(this.reqs[a].svc)} answers ${L.idOf(this.reqs[a].root)} with a failure ${at}` });
    // a = service, b = callee position, c = the state it went to (+4: after a failed trial)
    this.A_BREAKER = k.action({ run: (a, b, c) => (this.breakerStep(a, b, c), true), describe: (a, b, _c, at) => `${name(a)}'s breaker for ${name(this.svcs[a].callees[b])} changes state ${at}` });
    // a = service, b = record answered, c = channel
    this.A_OUT = k.action({ run: (a, b, c) => (this.publish(this.svcs[a], b, c), true), describe: (a, b, c, at) => `${name(a)} publishes ${L.idOf(b)} to ${L.channels[c].id} ${at}` });
    // a = service, b = life epoch
    this.A_RESTART = k.action({
      run: (a) => (this.restart(a, true), true),
      stale: (a, b) => this.svcs[a].lifeEpoch !== b || this.svcs[a].alive,
      describe: (a, _b, _c, at) => `${name(a)} restarts ${at}`,
    });
  }

  build(): void {
    const k = this.k;
    this.net = k.get(Network);
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'service') return;
      const c = k.records.addChannel(i, 1);
      const s = this.svcs.length;
      this.svcOfNode.set(i, s);
      this.svcs.push({ node: i, id: n.id, spec: n, c, callees: [], outs: [], sender: -1, ...freshState(0) });
      // [RR1] A client's request is taken in the step right after it lands.
      k.records.channels[c].listeners.push((offset) => k.schedule(k.now, this.A_ARRIVE, s, offset, 0));
    });
  }

  link(): void {
    const k = this.k;
    for (const s of this.svcs) {
      for (const t of k.targetsOf(s.id)) {
        const callee = this.svcOfNode.get(t);
        if (callee !== undefined) s.callees.push(callee);
        else s.outs.push(k.records.channelOfNode.get(t)!);
      }
      const st = freshState(s.callees.length);
      s.breakers = st.breakers;
      s.timedOut = st.timedOut;
      s.failedFast = st.failedFast;
      s.sender = this.net.addSender(s, BACKOFF_MS, false, null);
    }
  }

  // -------------------------------------------------------------------------- requests

  /** [RR1] A client's request landed in the service's channel. */
  private arrive(s: number, offset: number): void {
    const svc = this.svcs[s];
    const rec = this.k.records.channels[svc.c].logs[0].get(offset);
    svc.counts.received++;
    if (!svc.alive) {
      svc.counts.lost++;
      this.k.record(S_REQUEST, svc.node, rec, 0, `${this.evName(rec)} reached ${svc.id}, but ${svc.id} is down: nobody answers it, and the order is lost`);
      return;
    }
    this.take(s, this.newReq(s, rec, -1));
  }

  /** [RR2] A caller's call reached its callee. */
  private called(ci: number): void {
    const call = this.calls[ci];
    // Even when the caller gave up meanwhile: the callee cannot know, and does the work anyway.
    const svc = this.svcs[call.callee];
    const caller = this.svcs[this.reqs[call.req].svc];
    const rec = this.reqs[call.req].root;
    svc.counts.received++;
    if (!svc.alive) {
      svc.counts.lost++;
      this.k.record(S_REQUEST, svc.node, rec, 0, `${caller.id}'s call for ${this.evName(rec)} reached ${svc.id}, but ${svc.id} is down: no reply will come, and ${caller.id} keeps waiting, holding its slot, until its timeout of ${fmtMs(caller.spec.config.timeoutMs)}`);
      return;
    }
    this.take(call.callee, this.newReq(call.callee, rec, ci));
  }

  private newReq(s: number, root: number, call: number): number {
    this.reqs.push({ svc: s, root, call, arrived: this.k.now, took: -1, state: 0, next: 0, epoch: this.svcs[s].lifeEpoch, why: '' });
    return this.reqs.length - 1;
  }

  /** [RR2] Takes a free slot, or waits in line for one. */
  private take(s: number, r: number): void {
    const svc = this.svcs[s];
    const req = this.reqs[r];
    const from = req.call < 0 ? 'a client' : this.svcs[this.reqs[this.calls[req.call].req].svc].id;
    const n = svc.spec.config.concurrency;
    if (svc.busy >= n || svc.line.length > 0) {
      svc.line.push(r);
      this.k.record(S_REQUEST, svc.node, req.root, 2, `${svc.id} got ${this.evName(req.root)} from ${from}, but all ${n} of its slots are busy, each held by a request waiting on something: it waits in line (${svc.line.length} waiting)`);
      return;
    }
    this.k.record(S_REQUEST, svc.node, req.root, 1, `${svc.id} got ${this.evName(req.root)} from ${from} and takes a slot (${svc.busy + 1} of ${n} busy)`);
    this.startWork(s, r);
  }

  private startWork(s: number, r: number): void {
    const svc = this.svcs[s];
    const req = this.reqs[r];
    svc.busy++;
    req.took = this.k.now;
    req.state = 1;
    this.k.schedule(this.k.now + svc.spec.config.processingMs, this.A_WORKED, r, svc.lifeEpoch, 0);
  }

  private worked(r: number): void {
    this.reqs[r].state = 2;
    this.callNext(r);
  }

  /** [RR2] [RR4] Calls the next service, through its breaker; or answers when every call came back. */
  private callNext(r: number): void {
    const k = this.k;
    const req = this.reqs[r];
    const svc = this.svcs[req.svc];
    if (req.next >= svc.callees.length) return this.finish(r, true);
    const pos = req.next;
    const callee = this.svcs[svc.callees[pos]];
    const cfg = svc.spec.config;
    const b = svc.breakers[pos];
    if (cfg.breaker) {
      if (!allow(b, cfg.breaker)) {
        svc.failedFast[pos]++;
        const why = b.state === OPEN ? 'its circuit breaker is open' : `its breaker is half-open and its ${cfg.breaker.halfOpenTrials} trial call${cfg.breaker.halfOpenTrials > 1 ? 's are' : ' is'} already out`;
        k.record(S_CALL, svc.node, req.root, 2, `${svc.id} did not call ${callee.id} for ${this.evName(req.root)}: ${why}, so the call fails fast, at once, without waiting and without loading ${callee.id}`);
        return this.fail(r, `its call to ${callee.id} failed fast (breaker ${BREAKER_STATES[b.state]})`);
      }
    }
    const trial = cfg.breaker !== null && b.state !== CLOSED;
    const ci = this.calls.length;
    this.calls.push({ req: r, callee: svc.callees[pos], sent: k.now, state: 0, trial });
    k.schedule(k.now + cfg.timeoutMs, this.A_TIMEOUT, ci, 0, 0);
    const why = this.net.unreachable(svc.node, callee.c) ?? (this.net.isCut(svc.node, callee.node) ? `the network between ${svc.id} and ${callee.id} is cut` : null);
    const lead = `${svc.id} calls ${callee.id} for ${this.evName(req.root)}${trial ? ' (a trial call: the breaker is half-open)' : ''} and waits for the reply, holding its slot, for at most ${fmtMs(cfg.timeoutMs)}`;
    if (why) {
      k.record(S_CALL, svc.node, req.root, 1, `${lead}; but ${why}, so the call never arrives`);
      return;
    }
    const latency = this.net.latency(svc.node, callee.node);
    k.schedule(k.now + latency, this.A_CALLED, ci, 0, 0);
    k.record(S_CALL, svc.node, req.root, 0, latency > 0 ? `${lead}; the network takes ${fmtMs(latency)} each way` : lead);
  }

  /** A reply reached the caller. */
  private replied(ci: number, ok: boolean): void {
    const k = this.k;
    const call = this.calls[ci];
    const req = this.reqs[call.req];
    const svc = this.svcs[req.svc];
    const callee = this.svcs[call.callee];
    if (call.state !== 0) {
      k.record(S_REPLY, svc.node, req.root, -1, `${callee.id}'s ${ok ? 'answer' : 'failure'} for ${this.evName(req.root)} came back to ${svc.id} too late: ${call.state === 3 ? `${svc.id} had already given up after ${fmtMs(svc.spec.config.timeoutMs)}` : `${svc.id} crashed meanwhile`}. The work ${callee.id} did is wasted`);
      return;
    }
    call.state = ok ? 1 : 2;
    k.record(S_REPLY, svc.node, req.root, -2, `${svc.id} got ${callee.id}'s ${ok ? 'answer' : 'failure'} for ${this.evName(req.root)}, ${fmtMs(k.now - call.sent)} after calling it`);
    this.outcome(req.svc, this.svcs[req.svc].callees.indexOf(call.callee), ok, call.trial);
    if (!ok) return this.fail(call.req, `${callee.id} answered with a failure`);
    req.next++;
    k.schedule(k.now, this.A_NEXT, call.req, svc.lifeEpoch, 0);
  }

  /** [RR3] The caller stops waiting. */
  private timedOut(ci: number): void {
    const k = this.k;
    const call = this.calls[ci];
    const req = this.reqs[call.req];
    const svc = this.svcs[req.svc];
    const callee = this.svcs[call.callee];
    call.state = 3;
    const pos = svc.callees.indexOf(call.callee);
    svc.timedOut[pos]++;
    k.record(S_TIMEOUT, svc.node, req.root, pos, `${svc.id} waited ${fmtMs(svc.spec.config.timeoutMs)} for ${callee.id} and gave up on ${this.evName(req.root)}: its slot was held all that time, doing nothing`);
    this.outcome(req.svc, pos, false, call.trial);
    this.fail(call.req, `its call to ${callee.id} timed out`);
  }

  /** [RR4] A call's outcome, told to its breaker. */
  private outcome(s: number, pos: number, ok: boolean, trial: boolean): void {
    const svc = this.svcs[s];
    const cfg = svc.spec.config.breaker;
    if (!cfg) return;
    const b = svc.breakers[pos];
    // Half-open, only the trial calls' outcomes count (a call made before it opened does not).
    if (b.state === HALF_OPEN && !trial) return;
    const to = settle(b, cfg, ok);
    if (to < 0) return;
    if (to === OPEN) this.k.schedule(this.k.now + cfg.openMs, this.A_HALF, s, pos, b.opened);
    // Its step is the next one: this step is the reply's or the timeout's.
    this.k.schedule(this.k.now, this.A_BREAKER, s, pos, to + (trial ? 4 : 0));
  }

  private breakerStep(s: number, pos: number, c: number): void {
    const svc = this.svcs[s];
    const cfg = svc.spec.config.breaker!;
    const callee = this.svcs[svc.callees[pos]].id;
    const to = c & 3;
    const note =
      to === CLOSED
        ? `${svc.id}'s breaker for ${callee} closes: ${cfg.halfOpenTrials > 1 ? `all ${cfg.halfOpenTrials} trial calls` : 'the trial call'} succeeded, so calls go through again`
        : c & 4
          ? `${svc.id}'s breaker for ${callee} opens again: a trial call failed, so for another ${fmtMs(cfg.openMs)} every call to ${callee} fails fast`
          : `${svc.id}'s breaker for ${callee} opens after ${cfg.failureThreshold} failure${cfg.failureThreshold > 1 ? 's in a row' : ''}: for ${fmtMs(cfg.openMs)} every call to ${callee} fails fast, without waiting, and ${callee} gets time to recover`;
    this.k.record(S_BREAKER, svc.node, -1, to, note);
  }

  /** The request fails: answered in the next step. */
  private fail(r: number, why: string): void {
    this.reqs[r].why = why;
    this.k.schedule(this.k.now, this.A_FAIL, r, this.svcs[this.reqs[r].svc].lifeEpoch, 0);
  }

  private half(s: number, pos: number): void {
    const svc = this.svcs[s];
    const cfg = svc.spec.config.breaker!;
    halfOpen(svc.breakers[pos]);
    const callee = this.svcs[svc.callees[pos]].id;
    this.k.record(S_BREAKER, svc.node, -1, 2, `${svc.id}'s breaker for ${callee} half-opens after ${fmtMs(cfg.openMs)}: the next ${cfg.halfOpenTrials > 1 ? `${cfg.halfOpenTrials} calls go` : 'call goes'} through as a trial, the others still fail fast`);
  }

  /** [RR2] [RR5] Answers a request: frees its slot, publishes it on success, replies to its caller. */
  private finish(r: number, ok: boolean): void {
    const k = this.k;
    const req = this.reqs[r];
    const svc = this.svcs[req.svc];
    req.state = 3;
    svc.busy--;
    const c = svc.counts;
    const lat = k.now - req.arrived;
    if (ok) c.ok++;
    else c.failed++;
    c.latLast = lat;
    c.latSum += lat;
    c.latN++;
    if (lat > c.latMax) c.latMax = lat;
    const to = req.call < 0 ? 'its client' : this.svcs[this.reqs[this.calls[req.call].req].svc].id;
    const waited = req.took > req.arrived ? `, ${fmtMs(req.took - req.arrived)} of it waiting for a slot` : '';
    // aux: how long the request held its slot (the bound [RR3] speaks of).
    k.record(
      S_REPLY,
      svc.node,
      req.root,
      k.now - req.took,
      ok
        ? `${svc.id} answered ${to}: ${this.evName(req.root)} succeeded, ${fmtMs(lat)} after it arrived${waited}`
        : `${svc.id} answered ${to} with a failure for ${this.evName(req.root)}, ${fmtMs(lat)} after it arrived${waited}: ${req.why}`,
    );
    if (ok) for (const out of svc.outs) k.schedule(k.now, this.A_OUT, req.svc, req.root, out);
    if (req.call >= 0) {
      const call = this.calls[req.call];
      const caller = this.svcs[this.reqs[call.req].svc];
      if (!this.net.isCut(svc.node, caller.node)) k.schedule(k.now + this.net.latency(svc.node, caller.node), this.A_REPLY, req.call, ok ? 1 : 0, 0);
    }
    // The next in line takes the slot.
    if (svc.line.length > 0 && svc.busy < svc.spec.config.concurrency) this.startWork(req.svc, svc.line.shift()!);
  }

  /** [RR5] Publishes the request as an event: fire and forget, the broker keeps it for whoever reads it. */
  private publish(svc: SvcRt, root: number, c: number): void {
    const k = this.k;
    const L = k.records;
    const rec = L.createEvent(L.evType(root), L.evKey(root), L.evData(root), svc.node, c, root, L.evSchema(root), -1);
    const latency = this.net.latency(svc.node, L.channels[c].node);
    if (latency > 0) {
      this.net.send(rec, svc.sender, latency);
      return;
    }
    const note = this.net.attempt(rec, svc.sender);
    const kind = note === null ? S_PUBLISH : note.startsWith('!') ? S_SENDFAIL : note.startsWith('=') ? S_DEDUP : S_PUBLISH;
    k.record(kind, svc.node, rec, svc.sender, note === null ? `${svc.id} published ${L.evText(rec)} to ${L.channels[c].id} and does not wait for anyone to handle it` : note.replace(/^[!=]/, ''));
  }

  // -------------------------------------------------------------------------- crash and restart

  private crash(s: number, restartAfterMs: number | null): void {
    const k = this.k;
    const svc = this.svcs[s];
    svc.alive = false;
    svc.lifeEpoch++;
    let dropped = 0;
    this.reqs.forEach((req) => {
      if (req.svc !== s || req.state === 3) return;
      req.state = 3;
      dropped++;
    });
    for (const call of this.calls) if (call.state === 0 && this.reqs[call.req].svc === s) call.state = 4;
    svc.counts.lost += dropped;
    svc.busy = 0;
    svc.line = [];
    svc.breakers = svc.breakers.map(newBreaker);
    k.record(S_CRASH, svc.node, -1, dropped, `${svc.id} went down with ${dropped} request${dropped === 1 ? '' : 's'} in hand: none will be answered, so whoever called it waits until its timeout${restartAfterMs !== null ? `. It restarts in ${fmtMs(restartAfterMs)}` : ''}`);
    if (restartAfterMs !== null) k.schedule(k.now + restartAfterMs, this.A_RESTART, s, svc.lifeEpoch, 0);
  }

  private restart(s: number, scheduled: boolean): void {
    const svc = this.svcs[s];
    svc.alive = true;
    this.k.record(S_RESTART, svc.node, -1, scheduled ? 1 : 0, `${svc.id} is back up${scheduled ? ' as scheduled' : ''}, with all ${svc.spec.config.concurrency} slots free and its breakers closed`);
  }

  get intents(): IntentHandlers {
    return {
      crash: {
        refuse: (i, intent) => {
          const svc = this.svcs[this.svcOfNode.get(i)!];
          if (!svc.alive) return `${svc.id} is already down`;
          if ((intent.point ?? 'now') !== 'now') return `a service crashes now, not ${intent.point}`;
          return null;
        },
        apply: (i, input) => this.crash(this.svcOfNode.get(i)!, input.restartAfterMs ?? null),
      },
      restart: {
        refuse: (i) => (this.svcs[this.svcOfNode.get(i)!].alive ? `${this.k.nodes[i].id} is already running` : null),
        apply: (i) => this.restart(this.svcOfNode.get(i)!, false),
      },
      outage: this.k.get(Network).outageIntent,
    };
  }

  // -------------------------------------------------------------------------- words and views

  private evName(rec: number): string {
    const L = this.k.records;
    return `${L.evType(rec)} ${L.evKey(rec) ?? L.idOf(rec)}`;
  }

  explain(s: StepInfo): string | undefined {
    if (!this.svcOfNode.has(s.node)) return undefined;
    if (s.kind === S_REQUEST || s.kind === S_CALL || s.kind === S_REPLY || s.kind === S_TIMEOUT || s.kind === S_BREAKER || s.kind === S_CRASH || s.kind === S_RESTART) return s.note;
    if (s.kind === S_PUBLISH && s.note === undefined) return `${this.k.nodes[s.node].id} published ${this.k.records.evText(s.ev)}: it arrived at ${this.k.records.channels[this.k.records.evTopic(s.ev)].id} after the network delay`;
    return s.note;
  }

  view(node: number): ServiceView {
    const k = this.k;
    const svc = this.svcs[this.svcOfNode.get(node)!];
    const c = svc.counts;
    const cfg = svc.spec.config;
    return {
      kind: 'service',
      alive: svc.alive,
      concurrency: cfg.concurrency,
      inFlight: svc.busy,
      waiting: svc.line.length,
      received: c.received,
      ok: c.ok,
      failed: c.failed,
      lost: c.lost,
      timedOut: svc.timedOut.reduce((a, b) => a + b, 0),
      failedFast: svc.failedFast.reduce((a, b) => a + b, 0),
      latency: { last: c.latLast, mean: c.latN ? Math.round((c.latSum / c.latN) * 1000) / 1000 : 0, max: c.latMax },
      calls: svc.callees.map((t, pos) => ({ to: this.svcs[t].id, breaker: cfg.breaker ? BREAKER_STATES[svc.breakers[pos].state] : null, timedOut: svc.timedOut[pos], failedFast: svc.failedFast[pos] })),
      publishesTo: svc.outs.map((o) => k.records.channels[o].id),
    };
  }

  capture(): State {
    return { svcs: this.svcs.map(copySvc), reqs: this.reqs.map((r) => ({ ...r })), calls: this.calls.map((c) => ({ ...c })) };
  }

  restore(state: unknown): void {
    const s = state as State;
    s.svcs.forEach((x, i) => Object.assign(this.svcs[i], copySvc(x)));
    this.reqs = s.reqs.map((r) => ({ ...r }));
    this.calls = s.calls.map((c) => ({ ...c }));
  }

  stateSize(): number {
    return this.reqs.length + this.calls.length + this.svcs.length;
  }
}

function freshState(callees: number): SvcState {
  return {
    alive: true,
    lifeEpoch: 0,
    busy: 0,
    line: [],
    counts: { received: 0, ok: 0, failed: 0, lost: 0, latSum: 0, latN: 0, latMax: 0, latLast: 0 },
    breakers: Array.from({ length: callees }, newBreaker),
    timedOut: new Array<number>(callees).fill(0),
    failedFast: new Array<number>(callees).fill(0),
  };
}
