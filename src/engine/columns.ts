// Growable typed-array columns. The trace, the event table and the partition logs are
// "recordings": re-execution after a seek writes the same values at the same indices, so
// they are never truncated on seek, only on a fork (see SPEC [T4]).
//
// A column is a list of fixed-size chunks, so growing never copies what is recorded and
// never asks for one huge buffer (a run of ten million steps would otherwise copy hundreds
// of megabytes as it doubles); the first chunk starts small and doubles up to full size, so
// a short run (the explorer makes thousands) stays small.

type TypedArray = Int32Array | Float64Array | Uint8Array;
type Ctor<A extends TypedArray> = { new (n: number): A; readonly BYTES_PER_ELEMENT: number };

const SHIFT = 15;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export class Column<A extends TypedArray> {
  private chunks: A[];
  /** Number of valid entries (the recorded length). */
  length = 0;

  constructor(
    private readonly ctor: Ctor<A>,
    capacity = 64,
  ) {
    this.chunks = [new ctor(Math.min(CHUNK, Math.max(1, capacity)))];
  }

  /** Writes `value` at `index` (≤ length); extends the recording when at its end. */
  set(index: number, value: number): void {
    const c = index >>> SHIFT;
    let chunk = this.chunks[c];
    if (chunk === undefined || (c === 0 && index >= chunk.length)) chunk = this.grow(index);
    chunk[index & MASK] = value;
    if (index >= this.length) this.length = index + 1;
  }

  get(index: number): number {
    return this.chunks[index >>> SHIFT][index & MASK];
  }

  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** Bytes held by the backing store (for the memory benchmark). */
  get bytes(): number {
    let b = 0;
    for (const c of this.chunks) b += c.byteLength;
    return b;
  }

  /** Makes room for `index`: the first chunk doubles up to full size; then whole chunks are added. */
  private grow(index: number): A {
    const c = index >>> SHIFT;
    if (c === 0) {
      let cap = this.chunks[0].length * 2;
      while (cap <= index) cap *= 2;
      const next = new this.ctor(Math.min(CHUNK, cap));
      next.set(this.chunks[0] as never);
      this.chunks[0] = next;
      return next;
    }
    if (this.chunks[0].length < CHUNK) {
      const full = new this.ctor(CHUNK);
      full.set(this.chunks[0] as never);
      this.chunks[0] = full;
    }
    while (this.chunks.length <= c) this.chunks.push(new this.ctor(CHUNK));
    return this.chunks[c];
  }
}

export const i32 = (capacity?: number) => new Column(Int32Array, capacity);
export const f64 = (capacity?: number) => new Column(Float64Array, capacity);
export const u8 = (capacity?: number) => new Column(Uint8Array, capacity);
