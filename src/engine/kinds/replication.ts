// Replicated topics ([KR1]–[KR6]): Kafka's leaders, followers, in-sync replicas and high
// watermark, and what a producer's acks buy when a broker fails. Not a node kind of its own:
// it runs the `topic` nodes that set `replicationFactor` above 1, beside kinds/topic.ts, and
// plugs into their channel (`Channel.replicas`, `Channel.readEnd`) so the network asks it
// before a write and consumers read only up to the high watermark.
//
// The channel's log is always the current leader's log. A follower's log is a prefix of it,
// known by its log end offset (LEO); the high watermark (HW) is the smallest LEO in the ISR.
// A clean election only truncates above the HW, and the HW never goes back, so everything a
// failover can overwrite is at or past the HW: a checkpoint keeps those slots ([T5]).
import type { Kernel } from '../kernel.ts';
import type { IntentHandlers, Module, StepInfo } from '../kind.ts';
import { ACKS_ALL, type Channel } from '../log.ts';
import type { ReplicationView } from '../views.ts';
import { Network, wakeReaders } from '../network.ts';
import { S_BROKER_FAIL, S_BROKER_RECOVER, S_ELECT, S_REPLICATE, fmtMs } from '../steps.ts';

/** How long the first follower takes to copy what its leader appended, unless the topic says; the k-th takes k times that ([KR2]). */
export const REPLICA_LAG_MS = 10;
/** How long the controller takes to notice a failed leader and elect another ([KR5]). */
export const ELECTION_MS = 20;

/** One replicated topic: its brokers and, per partition, leader, ISR and replica log ends. */
interface Rep {
  c: number;
  rf: number;
  minIsr: number;
  lagMs: number;
  /** Per broker (0-based): up or failed, and a number that makes its scheduled return stale. */
  up: boolean[];
  upNo: number[];
  /** Per partition: the leading broker, or -1 while there is none. */
  leader: number[];
  /** Per partition: how many times its leader failed; an election for an older failure is stale. */
  failures: number[];
  /** Per partition: the in-sync replicas, as a bit set of brokers. */
  isr: number[];
  /** Per broker, per partition: how far its copy of the log goes (a leader's is the log end). */
  leo: Int32Array[];
  /** Per partition: the high watermark. */
  hw: Int32Array;
  /** Per partition: the followers with a fetch scheduled, as a bit set. */
  fetching: number[];
  /** Writes waiting for acks=all: quads of (record in the log, record sent, sender, sender's life). */
  pending: number[];
}

/** A replicated topic's mutable state as a checkpoint keeps it ([T5]). */
type RepState = Pick<Rep, 'up' | 'upNo' | 'leader' | 'failures' | 'isr' | 'leo' | 'hw' | 'fetching' | 'pending'> & {
  readEnd: Int32Array;
  /** The log slots from the HW to the log end: a later failover may overwrite them. */
  tail: number[][];
};

const b = (i: number) => `b${i + 1}`;
const members = (set: number, rf: number) => Array.from({ length: rf }, (_, i) => i).filter((i) => set & (1 << i));
const names = (set: number, rf: number) => members(set, rf).map(b).join(', ') || 'none';

export class Replication implements Module {
  readonly kinds = [] as const;
  readonly optionalName = 'replication';
  private reps: Rep[] = [];
  private readonly repOf = new Map<number, number>();
  private net!: Network;
  private readonly A_FETCH: number;
  private readonly A_ELECT: number;
  private readonly A_BACK: number;

  constructor(private readonly k: Kernel) {
    const id = (r: number) => k.records.channels[this.reps[r].c].id;
    // a = replicated topic, b = partition, c = follower
    this.A_FETCH = k.action({ run: (r, p, x) => this.fetch(r, p, x), describe: (r, p, x, at) => `${b(x)} copies ${id(r)} p${p} from its leader ${at}` });
    // a = replicated topic, b = partition, c = its leader's failure number (stale whenever it is evaluated, once another failure or a return came)
    this.A_ELECT = k.action({ run: (r, p) => (this.elect(r, p), true), stale: (r, p, n) => this.reps[r].leader[p] >= 0 || this.reps[r].failures[p] !== n, describe: (r, p, _c, at) => `the controller elects a new leader for ${id(r)} p${p} ${at}` });
    // a = replicated topic, b = broker, c = its failure number
    this.A_BACK = k.action({ run: (r, x) => (this.back(r, x, true), true), stale: (r, x, n) => this.reps[r].up[x] || this.reps[r].upNo[x] !== n, describe: (r, x, _c, at) => `broker ${b(x)} of ${id(r)} comes back ${at}` });
  }

  build(): void {
    const k = this.k;
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'topic' || (n.config.replicationFactor ?? 1) < 2) return;
      const c = k.records.channelOfNode.get(i)!;
      const t = k.records.channels[c];
      const rf = n.config.replicationFactor!;
      const P = t.partitions;
      const r = this.reps.length;
      const rep: Rep = {
        c,
        rf,
        minIsr: n.config.minInsyncReplicas ?? 1,
        lagMs: n.config.replicaLagMs ?? REPLICA_LAG_MS,
        up: new Array<boolean>(rf).fill(true),
        upNo: new Array<number>(rf).fill(0),
        // [KR1] Leaders spread over the brokers: partition p is led by broker p mod N.
        leader: Array.from({ length: P }, (_, p) => p % rf),
        failures: new Array<number>(P).fill(0),
        isr: new Array<number>(P).fill((1 << rf) - 1),
        leo: Array.from({ length: rf }, () => new Int32Array(P)),
        hw: new Int32Array(P),
        fetching: new Array<number>(P).fill(0),
        pending: [],
      };
      this.reps.push(rep);
      this.repOf.set(c, r);
      t.readEnd = new Int32Array(P);
      t.replicas = {
        refuse: (p, acks) => this.refuse(r, p, acks),
        written: (out, rec, s, epoch, acks) => this.written(r, out, rec, s, epoch, acks),
      };
      t.listeners.push((_offset, p) => this.appended(r, p));
    });
  }

  link(): void {
    this.net = this.k.get(Network);
  }

  private chan(rep: Rep): Channel {
    return this.k.records.channels[rep.c];
  }

  /** [KR2] An append on the leader: each follower that is up will copy it, the k-th follower k lags later. */
  private appended(r: number, p: number): void {
    this.advance(r, p);
    this.scheduleFetches(r, p);
  }

  /** Schedules a fetch for every follower of p that is up and has none scheduled. */
  private scheduleFetches(r: number, p: number): void {
    const rep = this.reps[r];
    let rank = 0;
    for (let x = 0; x < rep.rf; x++) {
      if (x === rep.leader[p]) continue;
      rank++;
      if (!rep.up[x] || rep.fetching[p] & (1 << x)) continue;
      rep.fetching[p] |= 1 << x;
      this.k.schedule(this.k.now + rank * rep.lagMs, this.A_FETCH, r, p, x);
    }
  }

  /** [KR2] Follower x copies the leader's log to its end; caught up, it is (back) in sync. */
  private fetch(r: number, p: number, x: number): boolean {
    const rep = this.reps[r];
    rep.fetching[p] &= ~(1 << x);
    const t = this.chan(rep);
    const end = t.logEnd[p];
    const inSync = (rep.isr[p] & (1 << x)) !== 0;
    if (rep.leader[p] < 0 || x === rep.leader[p] || !rep.up[x] || (inSync && rep.leo[x][p] >= end)) return false;
    const from = rep.leo[x][p];
    rep.leo[x][p] = end;
    let words = from < end ? `${b(x)} copied @${from}${end - from > 1 ? `–@${end - 1}` : ''}` : `${b(x)} had nothing to copy`;
    if (!(rep.isr[p] & (1 << x))) {
      rep.isr[p] |= 1 << x;
      words += ', caught up with its leader, and is back in sync';
    }
    const before = rep.hw[p];
    const acked = this.advance(r, p);
    const hw = rep.hw[p];
    this.k.record(
      S_REPLICATE,
      t.node,
      -1,
      p,
      `${words}. In sync: ${names(rep.isr[p], rep.rf)}; high watermark ${hw > before ? `${before} → ${hw}` : `still ${hw} (an in-sync replica has not copied it yet)`}${acked ? `: ${acked}` : ''}`,
    );
    return true;
  }

  /**
   * [KR3] The high watermark is the smallest log end in the ISR; it only moves forward. Writes
   * below it are acknowledged to acks=all producers, and readers may read them. Says who heard.
   */
  private advance(r: number, p: number): string {
    const rep = this.reps[r];
    const t = this.chan(rep);
    const lead = rep.leader[p];
    if (lead < 0) return '';
    let hw = t.logEnd[p];
    for (let x = 0; x < rep.rf; x++) if (x !== lead && rep.isr[p] & (1 << x) && rep.leo[x][p] < hw) hw = rep.leo[x][p];
    if (hw <= rep.hw[p]) {
      t.readEnd[p] = rep.hw[p];
      return '';
    }
    rep.hw[p] = hw;
    t.readEnd[p] = hw;
    const L = this.k.records;
    const heard: string[] = [];
    const q = rep.pending;
    for (let i = 0; i < q.length; ) {
      if (L.evPartition(q[i]) === p && L.evOffset(q[i]) < hw) {
        heard.push(L.idOf(q[i + 1]));
        this.net.acked(q[i + 1], q[i + 2]);
        q.splice(i, 4);
      } else i += 4;
    }
    wakeReaders(t);
    return heard.length ? `acks=all writes ${heard.join(', ')} acknowledged` : '';
  }

  /** [KR4] Why partition p of topic r takes no write now, or null. */
  private refuse(r: number, p: number, acks: number): string | null {
    const rep = this.reps[r];
    const t = this.chan(rep);
    if (rep.leader[p] < 0) {
      const live = members(rep.isr[p], rep.rf).some((x) => rep.up[x]);
      return live
        ? `${t.id} p${p} has no leader yet (its leader failed; the controller is electing another)`
        : `${t.id} p${p} is offline: no in-sync replica is up (${names(rep.isr[p], rep.rf)} failed), and an out-of-sync one may not lead (unclean.leader.election.enable=false)`;
    }
    if (acks !== ACKS_ALL) return null;
    const inSync = members(rep.isr[p], rep.rf).length;
    if (inSync >= rep.minIsr) return null;
    return `NOT_ENOUGH_REPLICAS: ${t.id} p${p} has ${inSync} in-sync replica${inSync === 1 ? '' : 's'} (${names(rep.isr[p], rep.rf)}) and min.insync.replicas is ${rep.minIsr}, so its leader refuses writes sent with acks=all`;
  }

  /** [KR4] A write landed on the leader: with acks=all its ack waits for the high watermark. */
  private written(r: number, out: number, rec: number, s: number, epoch: number, acks: number): boolean {
    const rep = this.reps[r];
    const L = this.k.records;
    if (acks !== ACKS_ALL || L.evOffset(out) < rep.hw[L.evPartition(out)]) return false;
    rep.pending.push(out, rec, s, epoch);
    return true;
  }

  // -------------------------------------------------------------------------- failures

  get intents(): IntentHandlers {
    return {
      'broker-fail': {
        refuse: (node, intent) => {
          const rep = this.at(node);
          if (!rep) return `${this.k.nodes[node].id} is not replicated: give it a replication factor of 2 or more to have brokers that can fail`;
          const x = this.brokerOf(rep, intent.broker);
          if (x >= rep.rf) return `${this.k.nodes[node].id} has ${rep.rf} brokers (b1–b${rep.rf}); there is no b${x + 1}`;
          if (!rep.up[x]) return `broker ${b(x)} of ${this.k.nodes[node].id} has already failed`;
          return null;
        },
        apply: (node, input) => this.fail(this.repOf.get(this.k.records.channelOfNode.get(node)!)!, this.brokerOf(this.at(node)!, input.broker), input.durationMs ?? null),
      },
      'broker-recover': {
        refuse: (node, intent) => {
          const rep = this.at(node);
          if (!rep) return `${this.k.nodes[node].id} is not replicated, so it has no broker to bring back`;
          if (intent.broker > rep.rf) return `${this.k.nodes[node].id} has ${rep.rf} brokers (b1–b${rep.rf}); there is no b${intent.broker}`;
          if (rep.up[intent.broker - 1]) return `broker b${intent.broker} of ${this.k.nodes[node].id} is up`;
          return null;
        },
        apply: (node, input) => this.back(this.repOf.get(this.k.records.channelOfNode.get(node)!)!, input.broker - 1, false),
      },
    };
  }

  private at(node: number): Rep | undefined {
    const c = this.k.records.channelOfNode.get(node);
    const r = c === undefined ? undefined : this.repOf.get(c);
    return r === undefined ? undefined : this.reps[r];
  }

  /** A broker by its number, or the leader of partition 0 (the first broker if it has none). */
  private brokerOf(rep: Rep, broker: number | undefined): number {
    return broker !== undefined ? broker - 1 : Math.max(0, rep.leader[0]);
  }

  /**
   * [KR5] Broker x fails: the partitions it led lose their leader (an election follows
   * ELECTION_MS later), and it drops out of the ISR of those it followed (the HW may move).
   */
  private fail(r: number, x: number, durationMs: number | null): void {
    const k = this.k;
    const rep = this.reps[r];
    const t = this.chan(rep);
    rep.up[x] = false;
    rep.upNo[x]++;
    const parts: string[] = [];
    for (let p = 0; p < t.partitions; p++) {
      if (rep.leader[p] === x) {
        rep.leo[x][p] = t.logEnd[p];
        rep.leader[p] = -1;
        rep.failures[p]++;
        t.readEnd[p] = 0;
        k.schedule(k.now + ELECTION_MS, this.A_ELECT, r, p, rep.failures[p]);
        parts.push(`p${p} loses its leader (log end ${t.logEnd[p]}, high watermark ${rep.hw[p]})`);
      } else if (rep.isr[p] & (1 << x)) {
        rep.isr[p] &= ~(1 << x);
        const acked = this.advance(r, p);
        parts.push(`p${p}'s in-sync replicas shrink to ${names(rep.isr[p], rep.rf)}${acked ? `; ${acked}` : ''}`);
      }
    }
    if (durationMs !== null) k.schedule(k.now + durationMs, this.A_BACK, r, x, rep.upNo[x]);
    k.record(S_BROKER_FAIL, t.node, -1, x, `${parts.join('; ') || 'it held no replica in sync'}${durationMs !== null ? `; it comes back at ${fmtMs(k.now + durationMs)}` : ''}`);
  }

  /**
   * [KR5] Partition p has no leader: the first in-sync replica that is up leads, and the log
   * is cut back to its log end. What only the old leader had is gone: writers with acks=all
   * never heard back and send again; with acks=1 or 0 they were told (or assumed) it landed,
   * and it is lost. No in-sync replica up: the partition stays offline ([KR6] ends that).
   */
  private elect(r: number, p: number): void {
    const k = this.k;
    const L = k.records;
    const rep = this.reps[r];
    const t = this.chan(rep);
    const x = members(rep.isr[p], rep.rf).find((y) => rep.up[y]);
    if (x === undefined) {
      k.record(S_ELECT, t.node, -1, p, `no in-sync replica of p${p} is up (in sync: ${names(rep.isr[p], rep.rf)}): p${p} is offline, refusing writes and reads, until one of them comes back. An out-of-sync replica could lead at once but would lose what it never copied (unclean.leader.election.enable=false)`);
      this.failPending(r, p, -1);
      return;
    }
    const oldEnd = t.logEnd[p];
    const newEnd = rep.leo[x][p];
    rep.leader[p] = x;
    // The failed brokers leave the ISR (the last one stays while none is up: here one is).
    for (let y = 0; y < rep.rf; y++) if (!rep.up[y]) rep.isr[p] &= ~(1 << y);
    const lost: string[] = [];
    for (let o = newEnd; o < oldEnd; o++) {
      const rec = t.logs[p].get(o);
      // Not lost if its producer is still waiting for an ack, here or after an earlier failover.
      if (!this.isPending(rep, rec) && !this.net.cutFromLog(rec)) {
        lost.push(L.idOf(rec));
        this.net.groups?.lostOn(rep.c, rec, `it was only on ${t.id} p${p}'s failed leader, which acknowledged it before any follower copied it (acks=1), and the new leader ${b(x)} never had it`);
      }
    }
    t.logEnd[p] = newEnd;
    for (let y = 0; y < rep.rf; y++) if (rep.leo[y][p] > newEnd) rep.leo[y][p] = newEnd;
    const retried = this.failPending(r, p, newEnd);
    this.advance(r, p);
    t.readEnd[p] = rep.hw[p];
    const cut = oldEnd - newEnd;
    k.record(
      S_ELECT,
      t.node,
      -1,
      p,
      `${b(x)} leads p${p} (it was in sync, with log end ${newEnd})` +
        (cut > 0 ? `; the log is cut back from ${oldEnd} to ${newEnd}: ${cut} record${cut === 1 ? '' : 's'} only the old leader had` : '; it had every record, nothing is cut') +
        (lost.length ? `. LOST: ${lost.join(', ')}, written with acks=1 or 0, so the producer was told (or assumed) they landed and will never send them again` : '') +
        (retried ? `. ${retried}` : ''),
    );
    wakeReaders(t);
    this.scheduleFetches(r, p);
  }

  private isPending(rep: Rep, rec: number): boolean {
    for (let i = 0; i < rep.pending.length; i += 4) if (rep.pending[i] === rec) return true;
    return false;
  }

  /**
   * The acks=all writes of partition p waiting on a leader that failed: their producers time
   * out and send again. `end`: the new leader's log end (a write below it is already there,
   * so its retry is a duplicate unless the producer is idempotent); -1 with no leader.
   */
  private failPending(r: number, p: number, end: number): string {
    const rep = this.reps[r];
    const L = this.k.records;
    const said: string[] = [];
    const q = rep.pending;
    for (let i = 0; i < q.length; ) {
      if (L.evPartition(q[i]) !== p) {
        i += 4;
        continue;
      }
      const gone = end < 0 || L.evOffset(q[i]) >= end;
      said.push(`${L.idOf(q[i + 1])} (${gone ? 'not on the new leader' : 'already on the new leader'}): ${this.net.resend(q[i + 1], q[i + 2], q[i + 3], gone)}`);
      q.splice(i, 4);
    }
    return said.length ? `acks=all writes never acknowledged: ${said.join('; ')}` : '';
  }

  /**
   * [KR6] Broker x is back. A partition that went offline with x as its last in-sync replica
   * has a leader again; elsewhere x is a follower: it cuts its log back to the high watermark
   * (what is past it may differ from the leader's) and copies the rest, rejoining the ISR
   * once caught up.
   */
  private back(r: number, x: number, scheduled: boolean): void {
    const k = this.k;
    const rep = this.reps[r];
    const t = this.chan(rep);
    rep.up[x] = true;
    const parts: string[] = [];
    for (let p = 0; p < t.partitions; p++) {
      if (rep.leader[p] < 0 && rep.isr[p] & (1 << x)) {
        // It left with the whole log (it was the leader, or the last in sync): nothing is cut.
        const electing = members(rep.isr[p], rep.rf).some((y) => y !== x && rep.up[y]);
        rep.leader[p] = x;
        rep.failures[p]++;
        t.logEnd[p] = rep.leo[x][p];
        this.advance(r, p);
        t.readEnd[p] = rep.hw[p];
        parts.push(`it leads p${p} again (${electing ? 'the controller had not elected another yet' : `p${p} was offline waiting for it`})`);
        wakeReaders(t);
      } else {
        if (rep.leo[x][p] > rep.hw[p]) rep.leo[x][p] = rep.hw[p];
        parts.push(`it follows p${p} from @${rep.leo[x][p]}`);
      }
      if (rep.leader[p] >= 0) this.scheduleFetches(r, p);
    }
    k.record(S_BROKER_RECOVER, t.node, -1, x | (scheduled ? 8 : 0), parts.join('; '));
  }

  // -------------------------------------------------------------------------- reading

  explain(s: StepInfo): string | undefined {
    const n = s.node >= 0 ? this.k.nodes[s.node] : undefined;
    if (n?.kind !== 'topic') return undefined;
    switch (s.kind) {
      case S_REPLICATE:
        return `${n.id} p${s.aux}: ${s.note}`;
      case S_BROKER_FAIL:
        return `Broker ${b(s.aux)} of ${n.id} failed: ${s.note}`;
      case S_ELECT:
        return `The controller elected a leader for ${n.id} p${s.aux}: ${s.note}`;
      case S_BROKER_RECOVER:
        return `Broker ${b(s.aux & 7)} of ${n.id} ${s.aux & 8 ? 'came back by itself' : 'is back, as you asked'}: ${s.note}`;
    }
    return undefined;
  }

  /** [AL4] How many partitions of channel `c` have fewer in-sync replicas than copies (0 when kept once). */
  underReplicated(c: number): number {
    const r = this.repOf.get(c);
    if (r === undefined) return 0;
    const rep = this.reps[r];
    let n = 0;
    for (let p = 0; p < rep.isr.length; p++) if (members(rep.isr[p], rep.rf).length < rep.rf) n++;
    return n;
  }

  /** What the view of topic channel `c` shows of its brokers, or null when it is kept once. */
  replicationOf(c: number): ReplicationView | null {
    const r = this.repOf.get(c);
    if (r === undefined) return null;
    const rep = this.reps[r];
    const t = this.chan(rep);
    return {
      factor: rep.rf,
      minInsync: rep.minIsr,
      lagMs: rep.lagMs,
      electionMs: ELECTION_MS,
      brokers: rep.up.map((up, x) => ({ id: b(x), up })),
      partitions: Array.from({ length: t.partitions }, (_, p) => ({
        leader: rep.leader[p] >= 0 ? b(rep.leader[p]) : null,
        isr: members(rep.isr[p], rep.rf).map(b),
        highWatermark: rep.hw[p],
        logEnds: rep.leo.map((leo, x) => (x === rep.leader[p] ? t.logEnd[p] : leo[p])),
      })),
      waitingForAcks: rep.pending.length / 4,
    };
  }

  capture(): RepState[] {
    return this.reps.map((rep) => {
      const t = this.chan(rep);
      return {
        up: [...rep.up],
        upNo: [...rep.upNo],
        leader: [...rep.leader],
        failures: [...rep.failures],
        isr: [...rep.isr],
        leo: rep.leo.map((x) => x.slice()),
        hw: rep.hw.slice(),
        readEnd: t.readEnd.slice(),
        fetching: [...rep.fetching],
        pending: [...rep.pending],
        tail: Array.from({ length: t.partitions }, (_, p) => {
          const out: number[] = [];
          for (let o = rep.hw[p]; o < t.logEnd[p]; o++) out.push(t.logs[p].get(o));
          return out;
        }),
      };
    });
  }

  restore(state: unknown): void {
    (state as RepState[]).forEach((s, r) => {
      const rep = this.reps[r];
      const t = this.chan(rep);
      rep.up = [...s.up];
      rep.upNo = [...s.upNo];
      rep.leader = [...s.leader];
      rep.failures = [...s.failures];
      rep.isr = [...s.isr];
      rep.leo = s.leo.map((x) => x.slice());
      rep.hw = s.hw.slice();
      t.readEnd.set(s.readEnd);
      rep.fetching = [...s.fetching];
      rep.pending = [...s.pending];
      // A failover after this checkpoint may have overwritten these slots: put them back.
      s.tail.forEach((slots, p) => slots.forEach((rec, i) => t.logs[p].set(s.hw[p] + i, rec)));
    });
  }

  stateSize(): number {
    let n = 0;
    for (const rep of this.reps) n += rep.pending.length + rep.leo.length * rep.hw.length;
    return n;
  }
}
