// The agenda: pending actions ordered by (time, sequence). A binary heap over slot ids with
// the fields in typed arrays, so scheduling allocates nothing on the hot path.

export interface QueuedAction {
  time: number;
  seq: number;
  kind: number;
  a: number;
  b: number;
  c: number;
}

export class ActionQueue {
  private time = new Float64Array(64);
  private seq = new Float64Array(64);
  private kind = new Uint8Array(64);
  private a = new Int32Array(64);
  private b = new Int32Array(64);
  private c = new Int32Array(64);
  private heap = new Int32Array(64);
  private free: number[] = [];
  private slots = 0;
  size = 0;

  push(time: number, seq: number, kind: number, a: number, b: number, c: number): void {
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots++;
    if (slot >= this.time.length) this.grow();
    this.time[slot] = time;
    this.seq[slot] = seq;
    this.kind[slot] = kind;
    this.a[slot] = a;
    this.b[slot] = b;
    this.c[slot] = c;
    if (this.size >= this.heap.length) {
      const h = new Int32Array(this.heap.length * 2);
      h.set(this.heap);
      this.heap = h;
    }
    let i = this.size++;
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(slot, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = slot;
  }

  /** Slot of the earliest action, or -1. Read it with the accessors, then `pop()`. */
  peek(): number {
    return this.size > 0 ? this.heap[0] : -1;
  }

  pop(): void {
    const heap = this.heap;
    const top = heap[0];
    this.free.push(top);
    const last = heap[--this.size];
    if (this.size === 0) return;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(heap[r], heap[l]) ? r : l;
      if (!this.less(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
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

  /** Every pending action, in no particular order (for checkpoints and views). */
  snapshot(): QueuedAction[] {
    const out: QueuedAction[] = [];
    for (let i = 0; i < this.size; i++) {
      const s = this.heap[i];
      out.push({ time: this.time[s], seq: this.seq[s], kind: this.kind[s], a: this.a[s], b: this.b[s], c: this.c[s] });
    }
    return out;
  }

  restore(actions: readonly QueuedAction[]): void {
    this.size = 0;
    this.slots = 0;
    this.free.length = 0;
    for (const q of actions) this.push(q.time, q.seq, q.kind, q.a, q.b, q.c);
  }

  private less(x: number, y: number): boolean {
    const tx = this.time[x];
    const ty = this.time[y];
    return tx < ty || (tx === ty && this.seq[x] < this.seq[y]);
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
