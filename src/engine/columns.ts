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

// The accessors below write SHIFT and MASK as literals (15, 0x7fff): a bundler turns a
// module's `const` into a `var`, which the JIT then loads and checks on every access.
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
    const c = index >>> 15;
    let chunk = this.chunks[c];
    if (chunk === undefined || (c === 0 && index >= chunk.length)) chunk = this.grow(index);
    chunk[index & 0x7fff] = value;
    if (index >= this.length) this.length = index + 1;
  }

  get(index: number): number {
    return this.chunks[index >>> 15][index & 0x7fff];
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

/**
 * Chunks of `width` int32s side by side per entry, and one double (a time) per entry: the
 * shared part of the trace and the log's record numbers. Packed, writing an entry finds its
 * chunk once instead of once per field (issue #11). Grows like a Column: the first chunk
 * doubles up to full size, then whole chunks are added. The subclasses write and read their
 * own fields, so V8's feedback for each hot accessor sees one class.
 */
abstract class PackedColumns {
  protected ints: Int32Array[];
  protected times: Float64Array[];
  /** Number of entries written. */
  length = 0;

  constructor(
    private readonly width: number,
    capacity: number,
  ) {
    const n = Math.min(CHUNK, Math.max(1, capacity));
    this.ints = [new Int32Array(width * n)];
    this.times = [new Float64Array(n)];
  }

  time(i: number): number {
    return this.times[i >>> 15][i & 0x7fff];
  }

  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** Bytes held by the backing store (for the memory benchmark). */
  get bytes(): number {
    let b = 0;
    for (let c = 0; c < this.ints.length; c++) b += this.ints[c].byteLength + this.times[c].byteLength;
    return b;
  }

  /** Makes room for entry `i`; returns the int chunk it is in. */
  protected grow(i: number): Int32Array {
    const c = i >>> SHIFT;
    const first = this.times[0].length;
    if (c === 0 || first < CHUNK) {
      let cap = first * 2;
      while (cap <= i) cap *= 2;
      cap = Math.min(CHUNK, cap);
      const ints = new Int32Array(this.width * cap);
      ints.set(this.ints[0]);
      const times = new Float64Array(cap);
      times.set(this.times[0]);
      this.ints[0] = ints;
      this.times[0] = times;
    }
    while (this.ints.length <= c) {
      this.ints.push(new Int32Array(this.width * CHUNK));
      this.times.push(new Float64Array(CHUNK));
    }
    return this.ints[c];
  }
}

/**
 * The kernel's trace: per step its kind and node (one int32: the kind in the low 8 bits, the
 * node + 1 above), its event and aux (two more, side by side) and its time. As five columns,
 * recording cost about twice as much; kind and node in an int32 each, 24 bytes a step instead
 * of 20, a trace-on run took 4-6% longer (issue #11, `npm run bench:ab -- <ref> --trace on`:
 * 0.973 and 0.937). So a kind is below TRACE_KINDS and a node index from -1 (none) to below
 * TRACE_NODES; STEP_KINDS and MAX_NODES (steps.ts, scenario.ts) keep to both, and a test checks they do. Recordings are
 * never truncated on seek (SPEC [T4]).
 */
export const TRACE_KINDS = 256;
export const TRACE_NODES = (1 << 23) - 1;
export class TraceColumns extends PackedColumns {
  constructor(capacity = 1024) {
    super(3, capacity);
  }

  write(i: number, kind: number, time: number, node: number, event: number, aux: number): void {
    const c = i >>> 15;
    const j = i & 0x7fff;
    let ints = this.ints[c];
    if (ints === undefined || (c === 0 && j >= this.times[0].length)) ints = this.grow(i);
    const o = j * 3;
    ints[o] = kind | ((node + 1) << 8);
    ints[o + 1] = event;
    ints[o + 2] = aux;
    this.times[c][j] = time;
    if (i >= this.length) this.length = i + 1;
  }

  kind(i: number): number {
    return this.ints[i >>> 15][(i & 0x7fff) * 3] & 0xff;
  }
  node(i: number): number {
    return (this.ints[i >>> 15][(i & 0x7fff) * 3] >> 8) - 1;
  }
  event(i: number): number {
    return this.ints[i >>> 15][(i & 0x7fff) * 3 + 1];
  }
  aux(i: number): number {
    return this.ints[i >>> 15][(i & 0x7fff) * 3 + 2];
  }
}

/**
 * The log's records: per record eight int32s side by side (the fields below) and its time, and
 * its type, key and data side by side in a chunk of plain values. Issue #11: as nine number
 * columns, leaving six of them unwritten took a tenth off a trace-off run; packed, the run took
 * about 3% less. The type, key and data were three plain arrays, which the engine grew one
 * element at a time: each growth copied the whole array into fresh memory (about three times
 * its final size in all) for the collector to trace, about a tenth of a trace-off run
 * (`npm run bench:ab`). Chunks are never copied once full. A recording: re-execution after a
 * seek writes the same values again (SPEC [T4]).
 */
export class EventColumns extends PackedColumns {
  /** Per chunk, each record's type, key and data, three slots side by side. */
  private refs: unknown[][];

  constructor(capacity = 1024) {
    super(8, capacity);
    this.refs = [refChunk(this.times[0].length)];
  }

  /** Writes record `i` (≤ length) whole. */
  write(i: number, type: string, key: string | null, data: unknown, idOf: number, source: number, time: number, corr: number, cause: number, topic: number, partition: number, offset: number, schema: number): void {
    const c = i >>> 15;
    const j = i & 0x7fff;
    let ints = this.ints[c];
    if (ints === undefined || (c === 0 && j >= this.times[0].length)) ints = this.growAll(i);
    const o = j << 3;
    ints[o] = idOf;
    ints[o + 1] = source;
    ints[o + 2] = corr;
    ints[o + 3] = cause;
    ints[o + 4] = topic;
    ints[o + 5] = partition;
    ints[o + 6] = offset;
    ints[o + 7] = schema;
    this.times[c][j] = time;
    const refs = this.refs[c];
    const r = j * 3;
    refs[r] = type;
    refs[r + 1] = key;
    refs[r + 2] = data;
    if (i >= this.length) this.length = i + 1;
  }

  /** Field `f` (0 idOf, 1 source, 2 corr, 3 cause, 4 topic, 5 partition, 6 offset, 7 schema) of record `i`. */
  int(i: number, f: number): number {
    return this.ints[i >>> 15][((i & 0x7fff) << 3) + f];
  }
  setInt(i: number, f: number, value: number): void {
    this.ints[i >>> 15][((i & 0x7fff) << 3) + f] = value;
  }
  /** Slot `f` (0 type, 1 key, 2 data) of record `i`. */
  ref(i: number, f: number): unknown {
    return this.refs[i >>> 15][(i & 0x7fff) * 3 + f];
  }

  override get bytes(): number {
    let b = super.bytes;
    for (let c = 0; c < this.refs.length; c++) b += this.refs[c].length * 8;
    return b;
  }

  /** Grows the numbers (PackedColumns.grow) and the values alongside. */
  private growAll(i: number): Int32Array {
    const ints = this.grow(i);
    const first = this.times[0].length;
    if (this.refs[0].length !== first * 3) {
      const refs = refChunk(first);
      const old = this.refs[0];
      for (let k = 0; k < old.length; k++) refs[k] = old[k];
      this.refs[0] = refs;
    }
    while (this.refs.length < this.ints.length) this.refs.push(refChunk(CHUNK));
    return ints;
  }
}

/** A chunk of `n` records' type, key and data (98,304 slots when full, fast elements in V8). */
function refChunk(n: number): unknown[] {
  return new Array<unknown>(n * 3).fill(null);
}
