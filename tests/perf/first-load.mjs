// What a visit fetches before the canvas is interactive, measured in Chromium on the BUILT
// site. Shared by the browser benchmark (tests/perf/ui-bench.mjs: bytes, time, requests)
// and the first-load test (tests/e2e/first-load.spec.ts: bytes against the budget).
//
// "Canvas interactive" is the app's performance mark CANVAS_INTERACTIVE
// (src/ui/first-screen/ready.ts): the workspace's run is back from the worker, Svelte
// Flow's viewport is set up (pan, zoom, drop and connect work) and every node on it is
// measured. Everything the page or its worker started to fetch before that mark counts;
// what the app prefetches when the browser is idle afterwards does not.
//
// Bytes: each JavaScript response's body, gzipped here with node:zlib at level 9 (what a
// static host that precompresses would send; `vite build` prints the same kind of figure).
// kB are 1000 bytes, as `vite build` prints them. The transferred size Chromium saw is kept
// too (`sent`: vite preview compresses on the fly, and leaves small files uncompressed).
import { gzipSync } from 'node:zlib';

/** The JavaScript (gzip, kB) the page itself may fetch before the canvas is interactive. */
export const BUDGET_KB = 120;
/**
 * The same for the simulation worker's first chunk: the engine with every node kind, and the
 * scenario schemas (lesson checks, the explorer, the diff and the grader load later). It was
 * 50 kB for 7 kinds; with 14 kinds it is about 76 kB. The next kinds should come with loading
 * a kind's module only when a scenario uses it, not with a bigger budget.
 */
export const WORKER_BUDGET_KB = 80;
/** The mark src/ui/first-screen/ready.ts leaves. */
export const CANVAS_INTERACTIVE = 'eventfold:canvas-interactive';
/** The mark src/ui/first-screen/later.ts leaves when the idle prefetch of the deferred parts is done. */
export const PREFETCHED = 'eventfold:deferred-loaded';

const kb = (bytes) => Math.round(bytes / 10) / 100;
const isJs = (url, type) => /\.m?js(\?|$)/.test(new URL(url).pathname) || type === 'script';

/**
 * Loads `url` (or reloads the page when `reload`) and answers what was fetched up to the
 * canvas-interactive mark: every request, and the JavaScript by chunk with its gzip size.
 * @param {import('playwright').Page} page
 * @param {{ url?: string, reload?: boolean, timeout?: number }} how
 */
export async function measureLoad(page, { url, reload = false, timeout = 60_000 } = {}) {
  const requests = [];
  const workers = new Set();
  const onRequest = (r) => requests.push(r);
  const onWorker = (w) => workers.add(w);
  page.on('request', onRequest);
  page.on('worker', onWorker);
  try {
    if (reload) await page.reload();
    else await page.goto(url);
    await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, CANVAS_INTERACTIVE, { timeout });
  } finally {
    page.off('request', onRequest);
    page.off('worker', onWorker);
  }
  const { at, ms } = await page.evaluate((m) => {
    const e = performance.getEntriesByName(m)[0];
    return { at: performance.timeOrigin + e.startTime, ms: e.startTime };
  }, CANVAS_INTERACTIVE);
  // The worker's script, and whatever the worker itself imported (its resource timing).
  const workerUrls = new Set();
  for (const w of workers) {
    workerUrls.add(w.url());
    for (const name of await w.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)).catch(() => [])) workerUrls.add(name);
  }
  // A module worker's static imports (a chunk it shares with its lazy parts) are fetched as
  // it starts, and Chromium lists them in no resource timing: follow its `from "./x.js"`.
  for (const todo = [...workerUrls]; todo.length > 0; ) {
    const u = todo.pop();
    if (!/\.js(\?|$)/.test(u)) continue;
    const text = await (await page.request.get(u)).text().catch(() => '');
    for (const m of text.matchAll(/(?:^|[;}\s])(?:import|export)[^"'`]*?from\s*["'](\.\.?\/[^"']+\.js)["']/g)) {
      const dep = new URL(m[1], u).href;
      if (!workerUrls.has(dep)) {
        workerUrls.add(dep);
        todo.push(dep);
      }
    }
  }

  const before = [];
  for (const r of requests) {
    const res = await r.response();
    if (res) await res.finished();
    // Wall-clock start of the request (ms since 1970), comparable with the page's timeOrigin.
    if (r.timing().startTime > at) continue;
    before.push({ r, res });
  }
  const js = [];
  for (const { r, res } of before) {
    if (!res || !isJs(r.url(), r.resourceType())) continue;
    // A revalidated one (304) has no body here: the same file, fetched again on the side.
    const body = res.status() >= 300 ? await (await page.request.get(r.url())).body() : await res.body();
    const sizes = await r.sizes();
    js.push({
      file: new URL(r.url()).pathname.split('/').pop(),
      worker: workerUrls.has(r.url()),
      status: res.status(),
      bytes: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
      sent: sizes.responseBodySize,
    });
  }
  const sum = (list) => list.reduce((n, c) => n + c.gzip, 0);
  const page_ = js.filter((c) => !c.worker);
  const worker = js.filter((c) => c.worker);
  return {
    /** Milliseconds from navigation start to the canvas being interactive. */
    ms,
    /** Every request started before that, of any kind. */
    requests: before.length,
    /** JavaScript bodies that came over the wire (kB, as sent: 0 for a 304 or a cache hit). */
    sentKb: kb(js.reduce((n, c) => n + c.sent, 0)),
    js,
    pageKb: kb(sum(page_)),
    workerKb: kb(sum(worker)),
    /** Chunk name → gzip kB, for the report. */
    pageChunks: Object.fromEntries(page_.map((c) => [c.file, kb(c.gzip)])),
    workerChunks: Object.fromEntries(worker.map((c) => [c.file, kb(c.gzip)])),
  };
}
