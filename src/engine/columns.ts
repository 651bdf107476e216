// Growable typed-array columns. The trace, the event table and the partition logs are
// "recordings": re-execution after a seek writes the same values at the same indices, so
// they are never truncated on seek, only on a fork (see SPEC [T4]).

type TypedArray = Int32Array | Float64Array | Uint8Array;
type Ctor<A extends TypedArray> = { new (n: number): A };

export class Column<A extends TypedArray> {
  data: A;
  /** Number of valid entries (the recorded length). */
  length = 0;

  constructor(
    private readonly ctor: Ctor<A>,
    capacity = 64,
  ) {
    this.data = new ctor(capacity);
  }

  /** Writes `value` at `index` (≤ length); extends the recording when at its end. */
  set(index: number, value: number): void {
    if (index >= this.data.length) this.grow(index + 1);
    this.data[index] = value;
    if (index >= this.length) this.length = index + 1;
  }

  /** Makes room for `index` and marks it recorded; the caller then writes `data[index]` itself. */
  reserve(index: number): void {
    if (index >= this.data.length) this.grow(index + 1);
    if (index >= this.length) this.length = index + 1;
  }

  get(index: number): number {
    return this.data[index];
  }

  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** Bytes held by the backing store (for the memory benchmark). */
  get bytes(): number {
    return this.data.byteLength;
  }

  private grow(min: number): void {
    let cap = this.data.length * 2;
    while (cap < min) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.data as never);
    this.data = next;
  }
}

export const i32 = (capacity?: number) => new Column(Int32Array, capacity);
export const f64 = (capacity?: number) => new Column(Float64Array, capacity);
export const u8 = (capacity?: number) => new Column(Uint8Array, capacity);
