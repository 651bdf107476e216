// Types of first-load.mjs (plain JavaScript, so the benchmark runs in Node without a build).
import type { Page } from 'playwright';

export declare const BUDGET_KB: number;
export declare const WORKER_BUDGET_KB: number;
export declare const CANVAS_INTERACTIVE: string;
export declare const PREFETCHED: string;

export interface FetchedChunk {
  file: string;
  /** Fetched by the simulation worker (its script, or what it imported). */
  worker: boolean;
  status: number;
  bytes: number;
  /** The body gzipped with node:zlib at level 9. */
  gzip: number;
  /** The body's size as transferred (0 for a 304 or a cache hit). */
  sent: number;
}

export interface LoadMeasure {
  ms: number;
  requests: number;
  sentKb: number;
  js: FetchedChunk[];
  pageKb: number;
  workerKb: number;
  pageChunks: Record<string, number>;
  workerChunks: Record<string, number>;
}

export declare function measureLoad(page: Page, how?: { url?: string; reload?: boolean; timeout?: number }): Promise<LoadMeasure>;
