// The agenda: pending actions ordered by (time, sequence). The fields live in typed arrays,
// so scheduling allocates nothing on the hot path. Most actions are scheduled no earlier
// than the one scheduled before them (a handle "now", a fetch a millisecond later): those go
// to a FIFO lane, O(1) each; the others to a binary heap. Every sequence number is larger
// than the ones before it, so the lane is sorted by (time, sequence) too, and the earliest
// action is the earlier of the lane's head and the heap's top.

export interface QueuedAction {
  time: number;
  seq: number;
  kind: number;
  a: number;
  b: number;
  c: number;
}

/** How many of the lane's last actions a push may step back over (insertNearTail). */
const WALK = 4;

export class ActionQueue {
  private time = new Float64Array(64);
  private seq = new Float64Array(64);
  private kind = new Uint8Array(64);
  private a = new Int32Array(64);
  private b = new Int32Array(64);
  private c = new Int32Array(64);
  private heap = new Int32Array(64);
  /** The FIFO lane: a ring of slots, `laneHead` its first, `laneSize` how many. */
  private lane = new Int32Array(64);
  private laneHead = 0;
  private laneSize = 0;
  /** The time of the lane's last action (meaningful while laneSize > 0). */
  private laneLast = 0;
  private free: number[] = [];
  private slots = 0;
  private heapSize = 0;

  get size(): number {
    return this.heapSize + this.laneSize;
  }

  push(time: number, seq: number, kind: number, a: number, b: number, c: number): void {
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots++;
    if (slot >= this.time.length) this.grow();
    this.time[slot] = time;
    this.seq[slot] = seq;
    this.kind[slot] = kind;
    this.a[slot] = a;
    this.b[slot] = b;
    this.c[slot] = c;
    // The lane takes it when it keeps the lane sorted: not earlier than the lane's last.
    if (this.laneSize === 0 || time >= this.laneLast) {
      if (this.laneSize === this.lane.length) this.growLane();
      this.lane[(this.laneHead + this.laneSize) & (this.lane.length - 1)] = slot;
      this.laneSize++;
      this.laneLast = time;
      return;
    }
    if (!this.insertNearTail(slot, time)) this.heapPush(slot);
  }

  private heapPush(slot: number): void {
    if (this.heapSize >= this.heap.length) {
      const h = new Int32Array(this.heap.length * 2);
      h.set(this.heap);
      this.heap = h;
    }
    let i = this.heapSize++;
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(slot, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = slot;
  }

  /**
   * Puts `slot` into the lane just before the actions at its end that are later than it (a
   * handle "now" behind the producer's next tick a millisecond on), keeping the lane sorted:
   * cheaper than the heap for the commonest out-of-order push. It has the largest sequence
   * number, so it goes after every action not later than it. When more than WALK are later,
   * they move to the heap and `slot` goes at the lane's end: actions due far ahead (a
   * scenario's scheduled faults, a long backoff) would otherwise send every later push to
   * the heap until they come due (issue #11: a run with a fault schedule was about a sixth
   * slower). Each action moves to the heap at most once. False when the lane is full.
   */
  private insertNearTail(slot: number, time: number): boolean {
    const n = this.laneSize;
    const lane = this.lane;
    if (n === lane.length) return false;
    const mask = lane.length - 1;
    const head = this.laneHead;
    let j = n - 1;
    while (j >= 0 && this.time[lane[(head + j) & mask]] > time) j--;
    if (n - 1 - j > WALK) {
      for (let i = j + 1; i < n; i++) this.heapPush(lane[(head + i) & mask]);
      lane[(head + j + 1) & mask] = slot;
      this.laneSize = j + 2;
      this.laneLast = time;
      return true;
    }
    for (let i = n - 1; i > j; i--) lane[(head + i + 1) & mask] = lane[(head + i) & mask];
    lane[(head + j + 1) & mask] = slot;
    this.laneSize = n + 1;
    return true;
  }

  /** Slot of the earliest action, or -1. Read it with the accessors, then `pop()`. */
  peek(): number {
    if (this.laneSize === 0) return this.heapSize > 0 ? this.heap[0] : -1;
    const l = this.lane[this.laneHead];
    if (this.heapSize === 0) return l;
    const h = this.heap[0];
    return this.less(h, l) ? h : l;
  }

  /** Removes the action `peek()` returned. */
  pop(): void {
    if (this.laneSize > 0) {
      const l = this.lane[this.laneHead];
      if (this.heapSize === 0 || !this.less(this.heap[0], l)) {
        this.free.push(l);
        this.laneHead = (this.laneHead + 1) & (this.lane.length - 1);
        this.laneSize--;
        return;
      }
    }
    this.popHeap();
  }

  private popHeap(): void {
    const heap = this.heap;
    this.free.push(heap[0]);
    const last = heap[--this.heapSize];
    if (this.heapSize === 0) return;
    heap[0] = last;
    this.siftDown(0);
  }

  timeOf(slot: number): number {
    return this.time[slot];
  }
  kindOf(slot: number): number {
    return this.kind[slot];
  }
  aOf(slot: number): number {
    return this.a[slot];
  }
  bOf(slot: number): number {
    return this.b[slot];
  }
  cOf(slot: number): number {
    return this.c[slot];
  }

  /**
   * Removes every pending action for which `drop(kind, a, b, c)` is true; the others keep
   * their order. Allocates nothing but freed slots: it runs when a module expires actions.
   */
  dropWhere(drop: (kind: number, a: number, b: number, c: number) => boolean): void {
    const gone = (slot: number) => {
      if (!drop(this.kind[slot], this.a[slot], this.b[slot], this.c[slot])) return false;
      this.free.push(slot);
      return true;
    };
    // The lane, compacted in place from its head: still sorted.
    const lane = this.lane;
    const mask = lane.length - 1;
    let kept = 0;
    for (let i = 0; i < this.laneSize; i++) {
      const slot = lane[(this.laneHead + i) & mask];
      if (!gone(slot)) lane[(this.laneHead + kept++) & mask] = slot;
    }
    this.laneSize = kept;
    if (kept > 0) this.laneLast = this.time[lane[(this.laneHead + kept - 1) & mask]];
    // The heap, filtered, then rebuilt bottom-up.
    const heap = this.heap;
    let n = 0;
    for (let i = 0; i < this.heapSize; i++) if (!gone(heap[i])) heap[n++] = heap[i];
    this.heapSize = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    const n = this.heapSize;
    const item = heap[from];
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(heap[r], heap[l]) ? r : l;
      if (!this.less(heap[child], item)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }

  /** Every pending action, in no particular order (for checkpoints and views). */
  snapshot(): QueuedAction[] {
    const out: QueuedAction[] = [];
    const take = (s: number) => out.push({ time: this.time[s], seq: this.seq[s], kind: this.kind[s], a: this.a[s], b: this.b[s], c: this.c[s] });
    for (let i = 0; i < this.heapSize; i++) take(this.heap[i]);
    for (let i = 0; i < this.laneSize; i++) take(this.lane[(this.laneHead + i) & (this.lane.length - 1)]);
    return out;
  }

  restore(actions: readonly QueuedAction[]): void {
    this.heapSize = 0;
    this.laneHead = 0;
    this.laneSize = 0;
    this.slots = 0;
    this.free.length = 0;
    // In order, so most of them go back to the lane.
    const sorted = [...actions].sort((x, y) => x.time - y.time || x.seq - y.seq);
    for (const q of sorted) this.push(q.time, q.seq, q.kind, q.a, q.b, q.c);
  }

  private less(x: number, y: number): boolean {
    const tx = this.time[x];
    const ty = this.time[y];
    return tx < ty || (tx === ty && this.seq[x] < this.seq[y]);
  }

  private growLane(): void {
    // Unroll the ring into a ring twice the size, head at 0.
    const cap = this.lane.length;
    const next = new Int32Array(cap * 2);
    for (let i = 0; i < this.laneSize; i++) next[i] = this.lane[(this.laneHead + i) & (cap - 1)];
    this.lane = next;
    this.laneHead = 0;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap);
    t.set(this.time);
    this.time = t;
    const s = new Float64Array(cap);
    s.set(this.seq);
    this.seq = s;
    const k = new Uint8Array(cap);
    k.set(this.kind);
    this.kind = k;
    for (const f of ['a', 'b', 'c'] as const) {
      const x = new Int32Array(cap);
      x.set(this[f]);
      this[f] = x;
    }
  }
}
