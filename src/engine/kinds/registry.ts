// The `registry` node kind ([SR1]–[SR3]): a schema registry (Confluent's, for Avro). Its
// subjects are event types, each with numbered versions of its fields; a new version is
// refused at its field when it breaks the subject's compatibility (scenario checks, through
// registry-rules.ts). Here, at run time: producers serialize what they publish with the
// version their template names (data that does not fit is never published), and consumers
// read with their own version. The registry counts what each version wrote and what could
// not be written or read.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { Json } from '../json.ts';
import { resolve, serialize, type SchemaField, type Subject, type Compatibility } from './registry-rules.ts';
import { S_SCHEMA } from '../steps.ts';

export interface RegistryView {
  kind: 'registry';
  subjects: {
    subject: string;
    compatibility: Compatibility;
    versions: { version: number; fields: SchemaField[]; written: number }[];
    /** Publishes refused by the serializer. */
    refused: number;
    /** Deliveries a consumer could not deserialize with its version. */
    unreadable: number;
  }[];
}

declare module '../views.ts' {
  interface NodeViews {
    registry: RegistryView;
  }
}

interface Counts {
  written: number[];
  refused: number;
  unreadable: number;
}

export class RegistryKind implements Module {
  readonly kinds = ['registry'] as const;
  /** The scenario's registry node, or -1 (no registry: nothing is checked). */
  private node = -1;
  private subjects = new Map<string, Subject>();
  private counts = new Map<string, Counts>();

  constructor(private readonly k: Kernel) {}

  build(): void {
    const i = this.k.nodes.findIndex((n) => n.kind === 'registry');
    if (i < 0) return;
    this.node = i;
    const n = this.k.nodes[i];
    if (n.kind !== 'registry') return;
    for (const s of n.config.subjects) {
      this.subjects.set(s.subject, s as Subject);
      this.counts.set(s.subject, { written: s.versions.map(() => 0), refused: 0, unreadable: 0 });
    }
  }

  /** Does the registry hold a schema for this event type? */
  /** Does the registry hold any subject? (Otherwise it governs no type.) */
  get any(): boolean {
    return this.subjects.size > 0;
  }

  governs(type: string): boolean {
    return this.subjects.size > 0 && this.subjects.has(type);
  }

  /**
   * [SR2] What a producer publishes: the data as the serializer encodes it (defaults filled
   * in), or null after recording why it was refused (nothing is published).
   */
  serialized(type: string, version: number, data: Json, producer: number): Json | null {
    const s = this.subjects.get(type)!;
    const r = serialize(s, version, data);
    const c = this.counts.get(type)!;
    if ('problem' in r) {
      c.refused++;
      this.k.record(S_SCHEMA, producer, -1, version, `${this.k.nodes[producer].id} could not serialize ${type}: ${r.problem}. Nothing was published`);
      return null;
    }
    c.written[version - 1]++;
    return r.data;
  }

  /** [SR3] What a consumer reading with `reader` (null: the latest version) gets, or why it cannot read it. */
  read(type: string, writer: number, reader: number | null, data: Json): { data: Json; version: number } | { problem: string } {
    const s = this.subjects.get(type)!;
    const version = reader ?? s.versions.length;
    const r = resolve(s, writer, version, data);
    if ('problem' in r) {
      this.counts.get(type)!.unreadable++;
      return r;
    }
    return { data: r.data, version };
  }

  explain(s: StepInfo): string | undefined {
    return s.kind === S_SCHEMA ? s.note : undefined;
  }

  view(node: number): RegistryView | undefined {
    if (node !== this.node) return undefined;
    return {
      kind: 'registry',
      subjects: [...this.subjects.values()].map((s) => {
        const c = this.counts.get(s.subject)!;
        return {
          subject: s.subject,
          compatibility: s.compatibility,
          versions: s.versions.map((v, i) => ({ version: i + 1, fields: v.fields, written: c.written[i] })),
          refused: c.refused,
          unreadable: c.unreadable,
        };
      }),
    };
  }

  capture(): [string, Counts][] {
    return [...this.counts].map(([k, c]) => [k, { written: [...c.written], refused: c.refused, unreadable: c.unreadable }]);
  }

  restore(state: unknown): void {
    for (const [k, c] of state as [string, Counts][]) this.counts.set(k, { written: [...c.written], refused: c.refused, unreadable: c.unreadable });
  }
}
