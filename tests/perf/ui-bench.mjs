// The browser benchmark: drives the BUILT site (dist/, `npm run build` first) in Chromium.
// First the first load: what a learner's first visit and a warm reload fetch before the
// canvas is interactive (tests/perf/first-load.mjs says exactly what that means and how
// bytes are counted), and how long it takes. Then a 20-node topology (2 producers at a high
// rate, 4 topics of 3 partitions, 14 consumers) plays at the highest speed for 10 s of real
// time; then the learner seeks across the whole recorded run (≥ 100,000 steps). Prints one
// JSON line per metric:
//   first_load_js_gzip_kb     JavaScript the page fetched on a first visit before the canvas
//                             was interactive, gzip, by chunk, against its budget
//   first_load_worker_js_gzip_kb   the same for the simulation worker's first chunk
//   first_load_ms             first visit (empty cache and storage): navigation start to
//                             canvas interactive, median of --visits, with the requests made
//   first_load_slow_network_ms     the same over a throttled network (150 ms RTT, 1.6 Mbit/s
//                             down: Lighthouse's slow 4G), where bytes cost time
//   warm_reload_ms            a reload of that page (HTTP cache and the saved workspace)
//   fps                       frames the page rendered per second while playing
//   long_tasks / long_task_max_ms   main-thread tasks over 50 ms (PerformanceObserver 'longtask')
//   worker_messages_per_s / messages_per_frame   messages from the worker while playing
//   steps_per_s               simulation steps applied per second of real time
//   seek_*_ms                 from the scrubber's input event to the step counter showing it
// Usage: npm run bench:ui -- [--seconds 10] [--visits 3] [--only first-load|run]
//   (browser-path.ts picks the browser; BENCH_PORT the preview server's port, default 4179)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { chromiumLaunchOptions, exitUnlessChromium } from '../../browser-path.ts';
import { chromium } from 'playwright';
import { BUDGET_KB, PREFETCHED, WORKER_BUDGET_KB, measureLoad } from './first-load.mjs';

exitUnlessChromium();
const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds')) || 10;
const visits = Number(arg('--visits')) || 3;
const only = arg('--only');
const port = Number(process.env.BENCH_PORT) || 4179;
const root = join(import.meta.dirname, '..', '..');
const out = (metric, value, unit, extra = {}) => console.log(JSON.stringify({ bench: 'ui', metric, value: Math.round(value * 100) / 100, unit, ...extra }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ------------------------------------------------------------------ the topology
function topology() {
  const nodes = [];
  const edges = [];
  const topics = ['orders', 'payments', 'shipments', 'emails'];
  topics.forEach((t, i) => nodes.push({ id: t, kind: 'topic', position: { x: 300, y: i * 200 }, config: { partitions: 3 } }));
  for (const [i, p] of ['shop', 'billing'].entries()) {
    nodes.push({
      id: p,
      kind: 'producer',
      position: { x: 0, y: i * 300 },
      config: { templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', total: '{rand:1-100}' } }], rate: { perSecond: 5000, limit: 10_000_000 } },
    });
    edges.push({ source: p, target: topics[i] }, { source: p, target: topics[i + 2] });
  }
  for (let c = 0; c < 14; c++) {
    const id = `c${c}`;
    const topic = topics[c % 4];
    nodes.push({
      id,
      kind: 'consumer',
      position: { x: 650, y: c * 90 },
      config: {
        group: `g${c % 7}`,
        processingMs: 1,
        rules: [{ on: '*', do: [{ do: 'increment', table: 'totals', key: { event: 'data.orderId' }, by: { event: 'data.total' } }, { do: 'effect', name: 'notify', key: { event: 'data.orderId' } }] }],
      },
    });
    edges.push({ source: topic, target: id });
  }
  return { format: 'eventfold/scenario', version: 1, name: 'Bench: 20 nodes', nodes, edges };
}

// ------------------------------------------------------------------ the run
// Its own process group, so the server and its children stop with the benchmark.
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: root, stdio: 'ignore', detached: true });
const stopServer = () => {
  try {
    process.kill(-server.pid);
  } catch {}
};
process.on('exit', stopServer);
// A closed stdout (`| head`) ends the run quietly.
process.stdout.on('error', () => process.exit(0));
const browser = await chromium.launch(chromiumLaunchOptions);
try {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  // ---------------------------------------------------------------- first load
  if (only !== 'run') {
    const base = `http://127.0.0.1:${port}/`;
    const first = [];
    const warm = [];
    for (let i = 0; i < visits; i++) {
      // A new context: empty HTTP cache, empty IndexedDB, as on a learner's first visit.
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      first.push(await measureLoad(page, { url: base }));
      // The idle prefetch and the first autosave finish before the reload.
      await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, PREFETCHED, { timeout: 60_000 });
      await page.getByTestId('save-status').getByText('Saved locally').waitFor({ timeout: 60_000 });
      warm.push(await measureLoad(page, { reload: true }));
      await context.close();
    }
    const f = first[0];
    out('first_load_js_gzip_kb', f.pageKb, 'kB', { budget: BUDGET_KB, ok: f.pageKb <= BUDGET_KB, chunks: f.pageChunks });
    out('first_load_worker_js_gzip_kb', f.workerKb, 'kB', { budget: WORKER_BUDGET_KB, ok: f.workerKb <= WORKER_BUDGET_KB, chunks: f.workerChunks });
    out('first_load_ms', median(first.map((m) => m.ms)), 'ms', { requests: f.requests, runs: first.map((m) => Math.round(m.ms)) });
    out('warm_reload_ms', median(warm.map((m) => m.ms)), 'ms', {
      requests: warm[0].requests,
      js_sent_kb: warm[0].sentKb,
      js_gzip_kb: Math.round((warm[0].pageKb + warm[0].workerKb) * 100) / 100,
      runs: warm.map((m) => Math.round(m.ms)),
    });
    {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      const slow = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9 };
      await cdp.send('Network.emulateNetworkConditions', slow);
      const m = await measureLoad(page, { url: base });
      out('first_load_slow_network_ms', m.ms, 'ms', { requests: m.requests, rtt_ms: slow.latency, down_mbit_s: 1.6 });
      await context.close();
    }
  }
  // ---------------------------------------------------------------- the run
  if (only !== 'first-load') {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Count messages from the worker, frames and long tasks, from before the app starts.
    await page.addInitScript(() => {
      const w = (globalThis.__bench = { messages: 0, frames: 0, long: [] });
      const Native = Worker;
      globalThis.Worker = class extends Native {
        constructor(...a) {
          super(...a);
          this.addEventListener('message', () => w.messages++);
        }
      };
      new PerformanceObserver((l) => l.getEntries().forEach((e) => w.long.push(e.duration))).observe({ type: 'longtask', buffered: true });
      const frame = () => {
        w.frames++;
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await page.goto(`http://127.0.0.1:${port}/?bench`);
    await page.waitForFunction(() => globalThis.__eventfold?.view);
    const ok = await page.evaluate((s) => globalThis.__eventfold.load(s), topology());
    if (!ok) throw new Error('the bench topology was refused');
    await page.waitForTimeout(500);

    const start = await page.evaluate(() => {
      const sim = globalThis.__eventfold;
      sim.speed = 6; // 8×, the highest
      const b = globalThis.__bench;
      const at = { t: performance.now(), frames: b.frames, messages: b.messages, long: b.long.length, step: sim.view.step };
      sim.play();
      return at;
    });
    await page.waitForTimeout(seconds * 1000);
    const end = await page.evaluate(() => {
      const sim = globalThis.__eventfold;
      sim.pause();
      const b = globalThis.__bench;
      return { t: performance.now(), frames: b.frames, messages: b.messages, long: b.long, step: sim.view.step };
    });
    const dt = (end.t - start.t) / 1000;
    const long = end.long.slice(start.long);
    const frames = end.frames - start.frames;
    const messages = end.messages - start.messages;
    out('fps', frames / dt, 'frames/s', { target: '>= 50' });
    out('long_tasks', long.length, 'count', { target: 0 });
    out('long_task_max_ms', long.length ? Math.max(...long) : 0, 'ms', { target: '< 50' });
    out('worker_messages_per_s', messages / dt, 'messages/s');
    out('messages_per_frame', messages / Math.max(1, frames), 'messages/frame', { target: '<= 1' });
    out('steps_per_s', (end.step - start.step) / dt, 'steps/s', { steps: end.step });

    // Make sure the run holds at least 100,000 steps, then seek across it as the learner does.
    await page.evaluate(async () => {
      const sim = globalThis.__eventfold;
      while (sim.view.horizon < 100_000) {
        await sim.seekAfter(sim.view.horizon + 20_000);
        await new Promise((r) => setTimeout(r, 50));
        if (sim.view.idle) break;
      }
    });
    const seek = (target) =>
      page.evaluate(async (k) => {
        const input = document.querySelector('[data-testid="scrubber"]');
        const counter = document.querySelector('[data-testid="step-counter"]');
        const t0 = performance.now();
        input.value = String(k);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          if (counter.textContent.startsWith(`step ${k} /`)) return performance.now() - t0;
          if (performance.now() - t0 > 30_000) return -1;
        }
      }, target);
    const horizon = await page.evaluate(() => globalThis.__eventfold.view.horizon);
    await seek(horizon);
    out('seek_to_start_ms', await seek(0), 'ms', { horizon });
    out('seek_to_middle_ms', await seek(Math.floor(horizon / 2)), 'ms', { horizon });
    out('seek_to_end_ms', await seek(horizon), 'ms', { horizon });
  }
} finally {
  await browser.close();
  stopServer();
}
