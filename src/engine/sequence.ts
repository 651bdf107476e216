// The conversation of one correlation id as a sequence of messages between nodes, and as
// Mermaid text (SPEC [E4]). Pure: it reads trace steps, nothing else. Labels are data from
// the scenario, so Mermaid's special characters are replaced, never interpreted.
import type { TraceStep } from './engine.ts';

export interface SequenceMessage {
  seq: number;
  time: number;
  from: string;
  to: string;
  label: string;
  /** A step that went wrong (an error, a dead letter, a crash, a failed send). */
  failed: boolean;
}
export interface Sequence {
  correlationId: string;
  participants: string[];
  messages: SequenceMessage[];
}

const FAILED = new Set(['error', 'dead-letter', 'crash', 'send-failed', 'conflict']);

/** The messages of one conversation: who sent what to whom, in trace order. */
export function sequenceOf(steps: readonly TraceStep[], correlationId: string): Sequence {
  const messages: SequenceMessage[] = [];
  const participants: string[] = [];
  const see = (n: string) => {
    if (!participants.includes(n)) participants.push(n);
  };
  for (const s of steps) {
    if (s.correlationId !== correlationId || !s.node || !s.topic) continue;
    const what = `${s.eventType ?? ''} ${s.eventId ?? ''}`.trim();
    let from: string;
    let to: string;
    let label: string;
    switch (s.kind) {
      case 'fire':
      case 'produce':
      case 'publish':
      case 'relay':
        [from, to, label] = [s.node, s.topic, `${what} → p${s.partition}@${s.offset}`];
        break;
      case 'deliver':
      case 'receive':
        [from, to, label] = [s.topic, s.node, `deliver ${what}`];
        break;
      case 'handle':
      case 'error':
      case 'skip':
      case 'park':
      case 'commit':
      case 'ack':
      case 'crash':
      case 'dead-letter':
      case 'saga':
      case 'load':
      case 'append':
      case 'conflict':
        [from, to, label] = [s.node, s.node, `${s.kind} ${what}`];
        break;
      default:
        continue;
    }
    see(from);
    see(to);
    messages.push({ seq: s.seq, time: s.time, from, to, label, failed: FAILED.has(s.kind) });
  }
  return { correlationId, participants, messages };
}

/** Mermaid-safe text: no characters Mermaid reads as syntax. */
function safe(text: string): string {
  return text.replace(/[;#:<>{}[\]"`\\%]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** A Mermaid `sequenceDiagram` of a conversation ([E4]). */
export function toMermaid(seq: Sequence): string {
  const alias = new Map(seq.participants.map((p, i) => [p, `n${i}`]));
  const lines = ['sequenceDiagram', `  %% correlation ${safe(seq.correlationId)}`];
  for (const p of seq.participants) lines.push(`  participant ${alias.get(p)} as ${safe(p)}`);
  for (const m of seq.messages) {
    const arrow = m.failed ? '-x' : '->>';
    lines.push(`  ${alias.get(m.from)}${arrow}${alias.get(m.to)}: ${safe(`${m.seq} ${m.label}`)}`);
  }
  return lines.join('\n');
}
