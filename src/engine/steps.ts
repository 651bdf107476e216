// The trace's vocabulary: what kind of thing a step did. A step kind is a word the UI and
// the tests read (`TraceStep.kind`); its index is what the trace stores per step. Append
// new kinds at the end: the order is only in memory, never saved, but keeping it stable
// keeps diffs small.

export const STEP_KINDS = [
  'fire',
  'produce',
  'publish',
  'deliver',
  'handle',
  'commit',
  'rebalance',
  'crash',
  'restart',
  'error',
  'ignored',
  'skip',
  'park',
  'retry',
  'dead-letter',
  'inject',
  'deploy',
  'redrive',
  'mark',
  'relay',
  'sent',
  'receive',
  'ack',
  'reappear',
  'send-failed',
  'dedup',
  'outage',
  'recover',
  'partition',
  'heal',
  'link',
  'rebuild',
  'query',
  'command',
  'load',
  'append',
  'conflict',
  'saga',
  'route',
  'fan-out',
  'push',
  'return',
  'expire',
  'offset-reset',
  'compact',
  'schema',
  'tx-commit',
  'tx-abort',
  'request',
  'call',
  'reply',
  'timeout',
  'breaker',
  'alert',
  'window',
  'late',
  'window-close',
  'join',
  'broker-fail',
  'broker-recover',
  'elect',
  'replicate',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const S_FIRE = 0;
export const S_PRODUCE = 1;
export const S_PUBLISH = 2;
export const S_DELIVER = 3;
export const S_HANDLE = 4;
export const S_COMMIT = 5;
export const S_REBALANCE = 6;
export const S_CRASH = 7;
export const S_RESTART = 8;
export const S_ERROR = 9;
export const S_IGNORED = 10;
export const S_SKIP = 11;
export const S_PARK = 12;
export const S_RETRY = 13;
export const S_DEAD = 14;
export const S_INJECT = 15;
export const S_DEPLOY = 16;
export const S_REDRIVE = 17;
export const S_MARK = 18;
export const S_RELAY = 19;
export const S_SENT = 20;
export const S_RECEIVE = 21;
export const S_ACK = 22;
export const S_VISIBLE = 23;
export const S_SENDFAIL = 24;
export const S_DEDUP = 25;
export const S_OUTAGE = 26;
export const S_RECOVER = 27;
export const S_CUT = 28;
export const S_HEAL = 29;
export const S_LINK = 30;
export const S_REBUILD = 31;
export const S_QUERY = 32;
export const S_COMMAND = 33;
export const S_LOAD = 34;
export const S_APPEND = 35;
export const S_CONFLICT = 36;
export const S_SAGA = 37;
export const S_ROUTE = 38;
export const S_FANOUT = 39;
export const S_PUSH = 40;
export const S_RETURN = 41;
export const S_EXPIRE = 42;
export const S_RESET = 43;
export const S_COMPACT = 44;
export const S_SCHEMA = 45;
/** [TX2] A transaction's commit marker: its records and its offset become visible together. */
export const S_TXCOMMIT = STEP_KINDS.indexOf('tx-commit');
/** [TX4] A transaction is aborted: its records stay in the log, marked aborted. */
export const S_TXABORT = STEP_KINDS.indexOf('tx-abort');
/** [WN2] A stream processor added an event to its windows. */
export const S_WINDOW = STEP_KINDS.indexOf('window');
/** [WN3] A stream processor dropped an event that came after its window closed. */
export const S_LATE = STEP_KINDS.indexOf('late');
/** [WN4] A window closed and its result was emitted (or filtered out). */
export const S_WINDOW_CLOSE = STEP_KINDS.indexOf('window-close');
/** [WN5] A stream-table join: hit or miss. */
export const S_JOIN = STEP_KINDS.indexOf('join');

/** Logical time in ms as the trace writes it. */
export function fmtMs(ms: number): string {
  return `${Math.round(ms * 1000) / 1000} ms`;
}
export const S_REQUEST = STEP_KINDS.indexOf('request');
export const S_CALL = STEP_KINDS.indexOf('call');
export const S_REPLY = STEP_KINDS.indexOf('reply');
export const S_TIMEOUT = STEP_KINDS.indexOf('timeout');
export const S_BREAKER = STEP_KINDS.indexOf('breaker');
/** [AL3] An alert fired or cleared (aux: alert index × 2, + 1 when it fired). */
export const S_ALERT = STEP_KINDS.indexOf('alert');
/** [KR5] A broker of a replicated topic failed. */
export const S_BROKER_FAIL = STEP_KINDS.indexOf('broker-fail');
/** [KR6] A failed broker came back and catches up as a follower (or leads an offline partition again). */
export const S_BROKER_RECOVER = STEP_KINDS.indexOf('broker-recover');
/** [KR5] A partition whose leader failed gets a new one from its in-sync replicas (or goes offline). */
export const S_ELECT = STEP_KINDS.indexOf('elect');
/** [KR2] Followers copied what their leader appended; the high watermark may move. */
export const S_REPLICATE = STEP_KINDS.indexOf('replicate');
