// Events out of the sandbox as CloudEvents 1.0 structured JSON (the JSON event format, and
// its batch: a JSON array, media type application/cloudevents-batch+json), for a learner
// who wants to replay what the simulation did against real tools. The engine already models
// every event as a CloudEvent with Eventfold's extensions (SPEC [E1], [E2]); this file only
// fixes the order of the attributes and drops what the format forbids, so a file validates
// against the CloudEvents 1.0 JSON schema (tested in cloudevents.test.ts).
import type { CloudEvent } from '../engine/index.ts';
import { fileName } from './names.ts';

/** The media type of a batch (CloudEvents JSON format, section 4). */
export const CLOUDEVENTS_BATCH_TYPE = 'application/cloudevents-batch+json';

/** One event in CloudEvents 1.0 structured JSON: the context attributes, then `data`. */
export interface StructuredCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  data: CloudEvent['data'];
  /** Extensions (lower-case a–z and digits only, as the spec requires). */
  partitionkey?: string;
  correlationid: string;
  causationid?: string;
  schemaversion: number;
}

/**
 * An engine event as structured JSON. `subject`, when present, must not be empty in
 * CloudEvents, so an event whose key is "" has none (its `partitionkey` still says "").
 */
export function structured(e: CloudEvent): StructuredCloudEvent {
  // Built in the order a reader expects: context attributes, data, then extensions.
  const out: StructuredCloudEvent = { specversion: '1.0', id: e.id, source: e.source, type: e.type, time: e.time } as StructuredCloudEvent;
  if (e.subject) out.subject = e.subject;
  out.datacontenttype = 'application/json';
  out.data = e.data;
  if (e.partitionkey !== undefined) out.partitionkey = e.partitionkey;
  out.correlationid = e.correlationid;
  if (e.causationid !== undefined) out.causationid = e.causationid;
  out.schemaversion = e.schemaversion;
  return out;
}

/**
 * A batch file's text: each event once (an event is its source and id; a duplicate delivery
 * or a redriven copy is the same event), in the order given.
 */
export function batchText(events: readonly CloudEvent[]): string {
  return `${JSON.stringify(uniqueEvents(events).map(structured), null, 2)}\n`;
}

/** Each event once, by source and id, first seen first. */
export function uniqueEvents(events: readonly CloudEvent[]): CloudEvent[] {
  const seen = new Set<string>();
  const out: CloudEvent[] = [];
  for (const e of events) {
    const k = `${e.source}\u0000${e.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

/** A file name for an export: the scenario's name and what was exported, safe on every OS. */
export function eventsFileName(scenario: string, what: string): string {
  return fileName(scenario, what, 'cloudevents.json');
}
