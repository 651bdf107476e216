// The browser benchmark: drives the BUILT site (dist/, `npm run build` first) in Chromium.
// A 20-node topology (2 producers at a high rate, 4 topics of 3 partitions, 14 consumers)
// plays at the highest speed for 10 s of real time; then the learner seeks across the
// whole recorded run (≥ 100,000 steps). Prints one JSON line per metric:
//   fps                       frames the page rendered per second while playing
//   long_tasks / long_task_max_ms   main-thread tasks over 50 ms (PerformanceObserver 'longtask')
//   worker_messages_per_s / messages_per_frame   messages from the worker while playing
//   steps_per_s               simulation steps applied per second of real time
//   seek_*_ms                 from the scrubber's input event to the step counter showing it
//   initial_js_gzip_kb        the JavaScript the page loads before any lazy chunk, gzipped
// Usage: npm run bench:ui -- [--seconds 10]   (browser-path.ts picks the browser)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { chromiumLaunchOptions, exitUnlessChromium } from '../../browser-path.ts';
import { chromium } from 'playwright';

exitUnlessChromium();
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const port = 4179;
const root = join(import.meta.dirname, '..', '..');
const out = (metric, value, unit, extra = {}) => console.log(JSON.stringify({ bench: 'ui', metric, value: Math.round(value * 100) / 100, unit, ...extra }));

// ------------------------------------------------------------------ initial JS size
{
  const html = readFileSync(join(root, 'dist', 'index.html'), 'utf8');
  const srcs = [...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g), ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
  let bytes = 0;
  for (const src of new Set(srcs)) bytes += gzipSync(readFileSync(join(root, 'dist', src.replace(/^\.?\//, '')))).length;
  out('initial_js_gzip_kb', bytes / 1024, 'KiB', { files: srcs.length, budget: 150 });
}

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
} finally {
  await browser.close();
  stopServer();
}
