// A circuit breaker's state machine ([RR4]), pure: a service keeps one per service it calls.
// Closed: calls go through; `failureThreshold` failures in a row open it. Open: every call
// fails fast, without being made, until `openMs` has passed; then half-open. Half-open: up
// to `halfOpenTrials` trial calls go through (the others fail fast); one failure opens it
// again, and when all the trials succeed it closes.

export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];
export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;

export interface BreakerConfig {
  failureThreshold: number;
  openMs: number;
  halfOpenTrials: number;
}

export interface Breaker {
  /** CLOSED, OPEN or HALF_OPEN. */
  state: number;
  /** Failures in a row while closed. */
  failures: number;
  /** Trial calls let through since it half-opened. */
  trials: number;
  /** Trial calls that succeeded since it half-opened. */
  passed: number;
  /** How many times it opened: a scheduled half-open of an older opening is stale. */
  opened: number;
}

export const newBreaker = (): Breaker => ({ state: CLOSED, failures: 0, trials: 0, passed: 0, opened: 0 });
export const copyBreaker = (b: Breaker): Breaker => ({ ...b });

/** May a call go through now? Counts a half-open trial when it does. */
export function allow(b: Breaker, cfg: BreakerConfig): boolean {
  if (b.state === CLOSED) return true;
  if (b.state === OPEN) return false;
  if (b.trials >= cfg.halfOpenTrials) return false;
  b.trials++;
  return true;
}

/** A call that went through came back (`ok`) or failed or timed out: the new state, or -1 if it stays. */
export function settle(b: Breaker, cfg: BreakerConfig, ok: boolean): number {
  if (b.state === CLOSED) {
    if (ok) {
      b.failures = 0;
      return -1;
    }
    b.failures++;
    if (b.failures < cfg.failureThreshold) return -1;
    return open(b);
  }
  if (b.state === HALF_OPEN) {
    if (!ok) return open(b);
    b.passed++;
    if (b.passed < cfg.halfOpenTrials) return -1;
    b.state = CLOSED;
    b.failures = 0;
    return CLOSED;
  }
  // Open: an answer to a call made before it opened changes nothing.
  return -1;
}

/** `openMs` passed since it opened: half-open. */
export function halfOpen(b: Breaker): number {
  b.state = HALF_OPEN;
  b.trials = 0;
  b.passed = 0;
  return HALF_OPEN;
}

function open(b: Breaker): number {
  b.state = OPEN;
  b.failures = 0;
  b.trials = 0;
  b.passed = 0;
  b.opened++;
  return OPEN;
}

/** The transitions the state machine has: from → to. */
export const TRANSITIONS: readonly (readonly [number, number])[] = [
  [CLOSED, OPEN],
  [OPEN, HALF_OPEN],
  [HALF_OPEN, CLOSED],
  [HALF_OPEN, OPEN],
];
