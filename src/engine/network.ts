// The network between nodes ([N1]–[N5]): delay and jitter per connection, duplicate and
// lost-ack nemeses, outages of a channel, and cuts between two connected nodes. Not a node
// kind: a part of the world every kind sends through. Publishing a record to a channel
// (`attempt`) lives here because whether it lands, fails or lands twice is the network's doing.
import type { Kernel } from './kernel.ts';
import type { Module, IntentHandler, IntentHandlers, StepInfo } from './kind.ts';
import { ACKS_ALL, type Channel } from './log.ts';
import { NO_LINK_FAULTS, type Link } from './scenario.ts';
import type { OutageIntent } from './inputs.ts';
import { S_CUT, S_DEDUP, S_HEAL, S_LINK, S_OUTAGE, S_PUBLISH, S_RECOVER, S_SENDFAIL, fmtMs } from './steps.ts';
import type { EngineView } from './views.ts';

/** Something that publishes records (a producer, a consumer): its retries die with its life epoch. */
export interface Sender {
  readonly node: number;
  lifeEpoch: number;
}

/** What the network asks of consumer groups: who is a member, and tell them of cuts and heals ([N5]). */
export interface GroupPeer {
  isMember(node: number): boolean;
  /** `node` was cut from something: if that cuts it from its group's channels, the group drops it later. */
  cut(node: number): void;
  /** The network around `node` healed: its group takes it back. */
  healed(node: number): void;
  /** Record `rec` will never be read from channel `c`: lost to every group reading it ([KR4]). */
  lostOn(c: number, rec: number, why: string): void;
}

interface NetworkState {
  links: Map<number, Link>;
  cuts: Map<string, number>;
  cutNo: number;
  ackLost: Set<number>;
  resent: Set<number>;
  outageUntil: number[];
  outageMode: OutageMode[];
  outageNo: number[];
}

/** What an outage does ([N4], [DU1]): `down`, only acks lost, or a broker restart (down, and what was not durable lost). */
type OutageMode = 'down' | 'acks-lost' | 'restart';

export class Network implements Module {
  readonly kinds = [] as const;
  /**
   * Network settings per connection, keyed by linkKey(source, target) ([N1]–[N3]): a number,
   * not text, as it is looked up for every publish, fetch and commit of a run with link faults.
   */
  private links = new Map<number, Link>();
  /** Cut connections, keyed `a|b` (a < b), with the number of the cut ([N5]). */
  private cuts = new Map<string, number>();
  private cutNo = 0;
  /** Records appended whose ack was lost: the producer will send them again ([N4]). */
  private ackLost = new Set<number>();
  /** Records a failed-over leader never had: the producer sends them again as new writes ([KR5]). */
  private resent = new Set<number>();
  /** Per channel: unavailable until when (-1 none), what kind of outage, outage number ([N4], [DU1]). */
  outageUntil: number[] = [];
  private outageMode: OutageMode[] = [];
  private outageNo: number[] = [];
  /** What a channel's owner does when its broker restarts: it says what was lost, or null ([DU1]). */
  private restartHooks = new Map<number, () => string | null>();

  private readonly senders: Sender[] = [];
  private readonly senderBackoff: number[] = [];
  private readonly senderIdempotent: boolean[] = [];
  private readonly senderPublished: (((rec: number) => void) | null)[] = [];
  /** Kafka's acks per sender: 0, 1 or ACKS_ALL ([KR4]). */
  private readonly senderAcks: number[] = [];
  /** Set by the consumer groups' module. */
  groups: GroupPeer | null = null;

  readonly A_PUBLISH: number;
  private readonly A_RECOVER: number;
  private readonly A_HEAL: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    // a = record, b = sender, c = the sender's life epoch
    this.A_PUBLISH = k.action({
      run: (a, b) => {
        const note = this.attempt(a, b);
        const kind = note === null ? S_PUBLISH : note.startsWith('!') ? S_SENDFAIL : note.startsWith('=') ? S_DEDUP : S_PUBLISH;
        k.record(kind, L.evSource(a), a, b, note === null ? undefined : note.replace(/^[!=]/, ''));
        return true;
      },
      stale: (_a, b, c) => this.senders[b].lifeEpoch !== c,
      describe: (a, _b, _c, at) => `${L.evType(a)} (${L.idOf(a)}) is appended to ${L.channels[L.evTopic(a)].id} ${at}`,
    });
    // a = channel, b = outage number
    this.A_RECOVER = k.action({
      run: (a) => {
        this.recover(a);
        return true;
      },
      stale: (a, b) => this.outageNo[a] !== b,
      describe: (a, _b, _c, at) => `${L.channels[a].id} comes back ${at}`,
    });
    // a, b = nodes, c = cut number
    this.A_HEAL = k.action({
      run: (a, b, c) => {
        this.heal(a, b, true, c);
        return true;
      },
      stale: (a, b, c) => this.cuts.get(cutKey(a, b)) !== c,
      describe: (a, b, _c, at) => `the network between ${k.nodes[a].id} and ${k.nodes[b].id} heals ${at}`,
    });
  }

  build(): void {
    const k = this.k;
    for (const e of k.scenario.edges) {
      const link = { ...NO_LINK_FAULTS, ...stripUndefined({ delayMs: e.delayMs, jitterMs: e.jitterMs, duplicateChance: e.duplicateChance, ackLossChance: e.ackLossChance }) };
      if (link.delayMs || link.jitterMs || link.duplicateChance || link.ackLossChance) this.links.set(this.linkKey(k.nodeIndex.get(e.source)!, k.nodeIndex.get(e.target)!), link);
    }
  }

  link(): void {
    const n = this.k.records.channels.length;
    this.outageUntil = new Array<number>(n).fill(-1);
    this.recheck();
    this.outageMode = new Array<OutageMode>(n).fill('down');
    this.outageNo = new Array<number>(n).fill(0);
  }

  /** Registers a sender; returns its number for `A_PUBLISH`. */
  addSender(s: Sender, backoffMs: number, idempotent: boolean, published: ((rec: number) => void) | null, acks = ACKS_ALL): number {
    this.senders.push(s);
    this.senderAcks.push(acks);
    this.senderBackoff.push(backoffMs);
    this.senderIdempotent.push(idempotent);
    this.senderPublished.push(published);
    return this.senders.length - 1;
  }

  /** Sends record `rec` from sender `s` to its channel: it arrives after the connection's latency. */
  send(rec: number, s: number, latency: number): void {
    this.k.schedule(this.k.now + latency, this.A_PUBLISH, rec, s, this.senders[s].lifeEpoch);
  }

  // -------------------------------------------------------------------------- connections

  private linkKey(from: number, to: number): number {
    return from * this.k.nodes.length + to;
  }

  linkOf(from: number, to: number): Link {
    // Most scenarios have no faulty connection: skip building a `from>to` key per message.
    if (this.links.size === 0) return NO_LINK_FAULTS;
    return this.links.get(this.linkKey(from, to)) ?? NO_LINK_FAULTS;
  }

  get anyLinkFaults(): boolean {
    return this.links.size > 0;
  }

  /** Latency of one message on a connection: delay plus seeded jitter ([N1], [N2]). */
  latency(from: number, to: number): number {
    const l = this.linkOf(from, to);
    if (l.jitterMs === 0) return l.delayMs;
    return l.delayMs + Math.round(this.k.prng.next() * l.jitterMs);
  }

  isCut(a: number, b: number): boolean {
    return this.cuts.size > 0 && this.cuts.has(cutKey(a, b));
  }

  get anyCuts(): boolean {
    return this.cuts.size > 0;
  }

  /** Why `node` cannot reach channel `c` now, or null. */
  unreachable(node: number, c: number): string | null {
    // A `down` outage stops reads and writes; an `acks-lost` one lets both through ([N4]).
    if (this.outageUntil[c] >= 0 && this.outageMode[c] !== 'acks-lost') return `${this.k.records.channels[c].id} is unavailable`;
    if (this.isCut(node, this.k.records.channels[c].node)) return `the network between ${this.k.nodes[node].id} and ${this.k.records.channels[c].id} is cut`;
    return null;
  }

  /** Does this write's acknowledgement get lost (an acks-lost outage, or the connection's chance)? */
  ackLostOn(node: number, c: number): boolean {
    const chance = this.linkOf(node, this.k.records.channels[c].node).ackLossChance;
    return (this.outageUntil[c] >= 0 && this.outageMode[c] === 'acks-lost') || (chance > 0 && this.k.prng.next() < chance);
  }

  /**
   * One attempt to publish `rec` for sender `s`. Returns null when it simply appended, else a
   * sentence: `!…` nothing was written, `=…` the broker dropped a duplicate ([N4]).
   */
  attempt(rec: number, s: number): string | null {
    const k = this.k;
    const L = k.records;
    const c = L.evTopic(rec);
    const t = L.channels[c];
    // The commonest case, as the general path below would take it: every channel reachable,
    // no replicas, nothing to resend, no link faults (so no ack lost): the record is appended.
    if (this.allClear && t.replicas === null && this.links.size === 0 && this.resent.size === 0 && this.ackLost.size === 0) {
      L.append(rec);
      this.senderPublished[s]?.(rec);
      return null;
    }
    const src = L.evSource(rec);
    const epoch = this.senders[s].lifeEpoch;
    const backoff = this.senderBackoff[s];
    const who = k.nodes[src].id;
    const acks = this.senderAcks[s];
    const why = this.unreachable(src, c) ?? (t.replicas !== null ? t.replicas.refuse(L.evPartition(rec), acks) : null);
    if (why) {
      if (acks === 0) {
        // [KR4] acks=0: the producer never waits for an answer, so it never learns the write failed.
        this.groups?.lostOn(c, rec, `${who} sent it with acks=0 while ${why}`);
        return `!${who} sent ${L.evType(rec)} ${L.idOf(rec)}, but ${why}. With acks=0 it waits for no answer, so it never retries: the event is lost`;
      }
      k.schedule(k.now + backoff, this.A_PUBLISH, rec, s, epoch);
      return `!${who} could not publish ${L.evType(rec)} ${L.idOf(rec)}: ${why}. It retries in ${fmtMs(backoff)}`;
    }
    let out = rec;
    let note: string | null = null;
    if (this.resent.size > 0 && this.resent.has(rec)) {
      // [KR5] The leader that took it failed before a follower copied it: a new write.
      this.resent.delete(rec);
      out = L.copyOf(rec, src, c);
      note = `${who} sent ${L.idOf(rec)} again: the leader that took it failed before any follower copied it, so the new leader never had it`;
    } else if (this.ackLost.size > 0 && this.ackLost.has(rec)) {
      this.ackLost.delete(rec);
      if (this.senderIdempotent[s]) {
        this.senderPublished[s]?.(rec);
        return `=${who} retried ${L.idOf(rec)}, but the broker already had it: with an idempotent producer it recognises the same producer id and sequence number and drops the copy`;
      }
      out = L.copyOf(rec, src, c);
      note = `${who} retried ${L.idOf(rec)} after a lost ack, and the broker appended it again at ${t.id} p${L.evPartition(out)}: a duplicate with the same id`;
    }
    L.append(out);
    // [KR4] acks=all on a replicated topic: the ack waits until every in-sync replica has it.
    if (t.replicas === null || !t.replicas.written(out, rec, s, epoch, acks)) this.senderPublished[s]?.(rec);
    if (acks !== 0 && this.ackLostOn(src, c)) {
      this.ackLost.add(rec);
      k.schedule(k.now + backoff, this.A_PUBLISH, rec, s, epoch);
      const lost = `the broker wrote ${L.idOf(rec)} to ${t.id} p${L.evPartition(out)} @${L.evOffset(out)}, but its acknowledgement was lost, so ${who} will send it again in ${fmtMs(backoff)}`;
      return note ? `${note}; and again ${lost}` : lost;
    }
    return note;
  }

  /** [KR4] A replicated write sent with acks=all is acknowledged: the sender hears it landed. */
  acked(rec: number, s: number): void {
    this.senderPublished[s]?.(rec);
  }

  /**
   * [KR5] The leader that took `rec` from sender `s` failed before acknowledging it: the
   * sender's request times out and it sends again, unless it died meanwhile. `gone`: the new
   * leader does not have it (a new write); else it does, and the retry is a duplicate unless
   * the producer is idempotent (as after a lost ack).
   */
  resend(rec: number, s: number, epoch: number, gone: boolean): string {
    const k = this.k;
    const who = k.nodes[this.k.records.evSource(rec)].id;
    if (this.senders[s].lifeEpoch !== epoch) {
      // It went down meanwhile: nothing will send it again, and if the new leader lacks it, it is gone.
      if (gone) this.groups?.lostOn(this.k.records.evTopic(rec), rec, `${who} went down before its acks=all write was acknowledged, and the leader that took it failed too`);
      return `${who} is no longer waiting for it (it went down)${gone ? ': lost' : ''}`;
    }
    (gone ? this.resent : this.ackLost).add(rec);
    k.schedule(k.now + this.senderBackoff[s], this.A_PUBLISH, rec, s, epoch);
    return `${who} never got its ack and sends it again in ${fmtMs(this.senderBackoff[s])}`;
  }

  /**
   * [KR5] Record `out` was cut from its log by a failover. If its producer is still sending it
   * (waiting to retry after an ack it never got), its retry is now a new write, not a
   * duplicate: true. False: nobody will send it again.
   */
  cutFromLog(out: number): boolean {
    const L = this.k.records;
    const id = L.evIdOf(out);
    for (const rec of this.ackLost) {
      if (L.evIdOf(rec) !== id) continue;
      this.ackLost.delete(rec);
      this.resent.add(rec);
      return true;
    }
    for (const rec of this.resent) if (L.evIdOf(rec) === id) return true;
    return false;
  }

  // -------------------------------------------------------------------------- outages and cuts

  /** The `outage` intent, for the kinds whose nodes are channels ([N4]). */
  readonly outageIntent: IntentHandler<OutageIntent> = {
    refuse: (i) => (this.outageUntil[this.k.records.channelOfNode.get(i)!] >= 0 ? `${this.k.nodes[i].id} is already unavailable` : null),
    apply: (i, input) => {
      const k = this.k;
      const c = k.records.channelOfNode.get(i)!;
      this.outageUntil[c] = k.now + input.durationMs;
      this.outageMode[c] = input.mode ?? 'down';
      this.recheck();
      this.outageNo[c]++;
      k.schedule(this.outageUntil[c], this.A_RECOVER, c, this.outageNo[c], 0);
      // [DU1] A restart: down like an outage, and its owner first loses what was not durable.
      const lost = input.mode === 'restart' ? (this.restartHooks.get(c)?.() ?? 'its log is on disk, so nothing is lost') : null;
      k.record(
        S_OUTAGE,
        i,
        -1,
        this.outageUntil[c],
        this.outageMode[c] === 'acks-lost'
          ? 'writes still land, but their acknowledgements are lost, so producers send them again (duplicates, unless the producer is idempotent)'
          : lost !== null
            ? `its broker restarts: ${lost}; until it is back, publishes fail and producers retry, and consumers cannot fetch from it`
            : 'publishes fail and producers retry; consumers cannot fetch from it',
      );
    },
  };

  private recover(c: number): void {
    this.outageUntil[c] = -1;
    this.recheck();
    this.k.record(S_RECOVER, this.k.records.channels[c].node, -1, 0);
    wakeReaders(this.k.records.channels[c]);
  }

  private heal(a: number, b: number, scheduled: boolean, cutNo = -1): void {
    const key = cutKey(a, b);
    if (!this.cuts.has(key) || (cutNo >= 0 && this.cuts.get(key) !== cutNo)) return;
    this.cuts.delete(key);
    this.recheck();
    this.k.record(S_HEAL, a, -1, scheduled ? 1 : 0, this.k.nodes[b].id);
    for (const n of [a, b]) {
      this.groups?.healed(n);
      const c = this.k.records.channelOfNode.get(n);
      if (c !== undefined) wakeReaders(this.k.records.channels[c]);
    }
  }

  readonly anyNodeIntents: IntentHandlers = {
    partition: {
      refuse: (i, intent) => this.cutRefusal(i, intent.kind, intent.from),
      apply: (i, input) => {
        const k = this.k;
        const j = k.nodeIndex.get(input.from)!;
        const no = ++this.cutNo;
        this.cuts.set(cutKey(i, j), no);
        this.recheck();
        const healAt = input.durationMs !== undefined ? k.now + input.durationMs : -1;
        if (healAt >= 0) k.schedule(healAt, this.A_HEAL, i, j, no);
        k.record(S_CUT, i, -1, healAt, input.from);
        for (const n of [i, j]) this.groups?.cut(n);
      },
    },
    heal: {
      refuse: (i, intent) => this.cutRefusal(i, intent.kind, intent.from),
      apply: (i, input) => this.heal(i, this.k.nodeIndex.get(input.from)!, false),
    },
    link: {
      refuse: (_i, intent) => {
        if (this.k.nodeIndex.get(intent.to) === undefined) return `there is no node "${intent.to}"`;
        if (!this.k.scenario.edges.some((e) => e.source === intent.node && e.target === intent.to)) return `there is no connection ${intent.node} → ${intent.to}`;
        return null;
      },
      apply: (i, input) => {
        const j = this.k.nodeIndex.get(input.to)!;
        const before = this.linkOf(i, j);
        const link: Link = { ...before, ...stripUndefined({ delayMs: input.delayMs, jitterMs: input.jitterMs, duplicateChance: input.duplicateChance, ackLossChance: input.ackLossChance }) };
        this.links.set(this.linkKey(i, j), link);
        const parts = [`delay ${fmtMs(link.delayMs)}`, `jitter up to ${fmtMs(link.jitterMs)}`, `${Math.round(link.duplicateChance * 100)}% duplicate deliveries`, `${Math.round(link.ackLossChance * 100)}% lost acks`];
        this.k.record(S_LINK, i, -1, 0, `You changed the network on ${input.node} → ${input.to}: ${parts.join(', ')}`);
      },
    },
  };

  private cutRefusal(i: number, kind: 'partition' | 'heal', from: string): string | null {
    const node = this.k.nodes[i];
    const j = this.k.nodeIndex.get(from);
    if (j === undefined) return `there is no node "${from}"`;
    if (!this.k.connected(i, j)) return `${node.id} and ${from} are not connected, so there is no network between them to ${kind === 'heal' ? 'heal' : 'cut'}`;
    if (kind === 'partition' && this.isCut(i, j)) return `the network between ${node.id} and ${from} is already cut`;
    if (kind === 'heal' && !this.isCut(i, j)) return `the network between ${node.id} and ${from} is not cut`;
    return null;
  }

  // -------------------------------------------------------------------------- reading

  explain(s: StepInfo): string | undefined {
    const who = s.node >= 0 ? this.k.nodes[s.node].id : '';
    switch (s.kind) {
      case S_OUTAGE:
        return `You made ${who} unavailable until ${fmtMs(s.aux)}: ${s.note}`;
      case S_RECOVER:
        return `${who} is available again: waiting publishes and reads go through`;
      case S_CUT:
        return `You cut the network between ${who} and ${s.note}${s.aux >= 0 ? `, healing at ${fmtMs(s.aux)}` : ''}: messages between them fail${this.groups?.isMember(s.node) ? `; ${who} cannot fetch or commit, and its group drops it after the session timeout` : ''}`;
      case S_HEAL:
        return `${s.aux ? 'The network healed by itself' : 'You healed the network'} between ${who} and ${s.note}`;
    }
    return undefined;
  }

  networkView(): EngineView['network'] {
    const k = this.k;
    return {
      cuts: [...this.cuts.keys()].map((key) => key.split('|').map((n) => k.nodes[Number(n)].id) as [string, string]),
      links: [...this.links].map(([key, l]) => ({ source: k.nodes[Math.floor(key / k.nodes.length)].id, target: k.nodes[key % k.nodes.length].id, ...l })),
      outages: k.records.channels.flatMap((t, c) => (this.outageUntil[c] >= 0 ? [{ node: t.id, until: this.outageUntil[c], mode: this.outageMode[c] }] : [])),
    };
  }

  capture(): NetworkState {
    return {
      links: new Map([...this.links].map(([key, l]) => [key, { ...l }])),
      cuts: new Map(this.cuts),
      cutNo: this.cutNo,
      ackLost: new Set(this.ackLost),
      resent: new Set(this.resent),
      outageUntil: [...this.outageUntil],
      outageMode: [...this.outageMode],
      outageNo: [...this.outageNo],
    };
  }

  restore(state: unknown): void {
    const s = state as NetworkState;
    this.links = new Map([...s.links].map(([key, l]) => [key, { ...l }]));
    this.cuts = new Map(s.cuts);
    this.cutNo = s.cutNo;
    this.ackLost = new Set(s.ackLost);
    this.resent = new Set(s.resent);
    this.outageUntil = [...s.outageUntil];
    this.outageMode = [...s.outageMode];
    this.outageNo = [...s.outageNo];
    this.recheck();
  }

  /**
   * No channel is in an outage and no connection is cut, so every node reaches every channel:
   * the common case, asked before each fetch (issue #11). Set by recheck after each change.
   */
  get allClear(): boolean {
    return this.clear;
  }
  private clear = true;
  private recheck(): void {
    this.clear = this.cuts.size === 0 && this.outageUntil.every((u) => u < 0);
  }

  /** [DU1] `c`'s owner loses what was not durable when its broker restarts; `hook` says what. */
  onRestart(c: number, hook: () => string | null): void {
    this.restartHooks.set(c, hook);
  }
}

function cutKey(a: number, b: number): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Tells whoever reads a channel that it may be readable again. */
export function wakeReaders(c: Channel): void {
  for (const w of c.wakers) w();
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}
