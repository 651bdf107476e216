// The `pubsub` node kind ([PS1]–[PS4]): a Redis-style pub/sub channel. Producers (and
// consumers' emits) publish to it like to any channel, so the network and outages work
// unchanged; each message is then pushed, in a `push` step, to every subscriber (a consumer
// connected to it) that is up and reachable at that moment, and to no one else. Nothing is
// kept: no offsets to resume from, no replay, no catch-up for a group. A subscriber's side
// (its connection's buffer, handling) is consumer.ts's `push`.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { PubSubView } from '../views.ts';
import { Network } from '../network.ts';
import { ConsumerGroups } from './consumer.ts';
import { S_PUSH } from '../steps.ts';

/** How many messages a view lists. */
const RECENT = 8;

interface ChannelRt {
  node: number;
  c: number;
  /** Members subscribed (consumers it is connected to), in connection order. */
  subscribers: number[];
  /** The latest messages: record, members reached, members that missed it. */
  recent: { rec: number; to: number[]; missed: number[] }[];
  lost: number;
}
type ChannelState = Pick<ChannelRt, 'recent' | 'lost'>;
const copyState = (s: ChannelState): ChannelState => ({ recent: s.recent.map((r) => ({ rec: r.rec, to: [...r.to], missed: [...r.missed] })), lost: s.lost });

export class PubSubKind implements Module {
  readonly kinds = ['pubsub'] as const;
  private readonly channels: ChannelRt[] = [];
  private readonly channelOfNode = new Map<number, number>();
  private groups!: ConsumerGroups;
  private net!: Network;
  private readonly A_PUSH: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    // a = pub/sub channel, b = offset of the message
    this.A_PUSH = k.action({
      run: (a, b) => (this.pushOut(a, b), true),
      describe: (a, b, _c, at) => `${L.channels[this.channels[a].c].id} pushes ${L.idOf(L.channels[this.channels[a].c].logs[0].get(b))} to its subscribers ${at}`,
    });
  }

  get intents() {
    return { outage: this.k.get(Network).outageIntent };
  }

  build(): void {
    const k = this.k;
    this.groups = k.get(ConsumerGroups);
    this.net = k.get(Network);
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'pubsub') return;
      const c = k.records.addChannel(i, 1);
      this.groups.pushOnly(c);
      const p = this.channels.length;
      this.channels.push({ node: i, c, subscribers: [], recent: [], lost: 0 });
      this.channelOfNode.set(i, p);
      // [PS2] Pushed at once: in the step right after the publish.
      k.records.channels[c].listeners.push((offset) => k.schedule(k.now, this.A_PUSH, p, offset, 0));
    });
  }

  link(): void {
    const k = this.k;
    for (const ch of this.channels) {
      ch.subscribers = k.targetsOf(k.nodes[ch.node].id).flatMap((n) => {
        const m = this.groups.memberOfNode.get(n);
        return m === undefined ? [] : [m];
      });
    }
  }

  /** [PS2] [PS3] Pushes a message to every subscriber that is up and reachable now; the others miss it for good. */
  private pushOut(p: number, offset: number): void {
    const k = this.k;
    const L = k.records;
    const ch = this.channels[p];
    const rec = L.channels[ch.c].logs[0].get(offset);
    const entry = { rec, to: [] as number[], missed: [] as number[] };
    ch.recent.push(entry);
    if (ch.recent.length > RECENT) ch.recent.shift();
    const missedWhy: string[] = [];
    for (const m of ch.subscribers) {
      const mem = this.groups.members[m];
      const why = !mem.alive ? 'down' : this.net.unreachable(mem.node, ch.c);
      if (why) {
        entry.missed.push(m);
        missedWhy.push(`${mem.id} (${why})`);
        this.groups.missed(m, rec, `it was published on ${L.channels[ch.c].id} while ${mem.id} was ${why === 'down' ? 'down' : `unreachable: ${why}`}, and pub/sub keeps nothing to catch up from`);
        continue;
      }
      entry.to.push(m);
      this.groups.push(m, rec);
    }
    if (entry.to.length === 0) ch.lost++;
    // The names go in the note: a step's words must not depend on where the playhead is.
    k.record(S_PUSH, ch.node, rec, entry.to.length, `${entry.to.map((m) => this.groups.members[m].id).join(', ')}|${missedWhy.join(', ')}`);
  }

  explain(s: StepInfo): string | undefined {
    if (s.kind !== S_PUSH || !this.channelOfNode.has(s.node)) return undefined;
    const k = this.k;
    const ch = this.channels[this.channelOfNode.get(s.node)!];
    const who = k.nodes[s.node].id;
    const what = k.records.evText(s.ev);
    const [to, missedWho] = (s.note ?? '|').split('|');
    const reached = s.aux === 0 ? 'to nobody' : `to ${to}`;
    const missed = missedWho ? `; ${missedWho} missed it, and will never get it: pub/sub keeps no copy and no offset to resume from` : '';
    if (ch.subscribers.length === 0) return `${who} pushed ${what} to nobody: no consumer is subscribed, and the message is gone`;
    return `${who} pushed ${what} ${reached} at once${missed}`;
  }

  view(node: number): PubSubView {
    const k = this.k;
    const L = k.records;
    const ch = this.channels[this.channelOfNode.get(node)!];
    const name = (m: number) => this.groups.members[m].id;
    return {
      kind: 'pubsub',
      published: L.channels[ch.c].logEnd[0],
      subscribers: ch.subscribers.map((m) => ({ id: name(m), up: this.groups.members[m].alive })),
      recent: ch.recent.map((r) => ({ id: L.idOf(r.rec), type: L.evType(r.rec), to: r.to.map(name), missed: r.missed.map(name) })),
      lost: ch.lost,
    };
  }

  /** Entries a checkpoint copies: each channel's recent pushes. */
  stateSize(): number {
    let n = 0;
    for (const c of this.channels) n += c.recent.length;
    return n;
  }

  capture(): ChannelState[] {
    return this.channels.map(copyState);
  }

  restore(state: unknown): void {
    (state as ChannelState[]).forEach((s, i) => Object.assign(this.channels[i], copyState(s)));
  }
}
