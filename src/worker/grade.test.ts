// Grading a challenge in the worker host, called directly in Node ([Z6]–[Z8]): the design
// on screen, in chunks, with the learner's edit in between, as the challenge panel does it.
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import { gradeSpec, loadChallenges } from '../challenges/index.ts';
import { unrestored } from '../lessons/course.ts';

const email = loadChallenges().find((c) => c.id === 'one-email-per-order')!;

async function gradeAll(api: ReturnType<typeof makeWorkerApi>) {
  let r = await api.grade({ start: gradeSpec(email), count: 50 });
  const chunks = [r.tried];
  while (r.verdict === 'running') {
    r = await api.grade({ count: 50 });
    chunks.push(r.tried);
  }
  return { r, chunks };
}

describe('api.grade', () => {
  it('[Z7] fails the broken start with the shrunk schedule in words and a run to open; after the fix [Z8] passes every schedule, in chunks', async () => {
    const api = makeWorkerApi();
    expect(api.load(unrestored(email.start)).ok).toBe(true);
    const { r: failed } = await gradeAll(api);
    expect(failed.verdict).toBe('fail');
    expect(failed.finding!.texts.length).toBe(failed.finding!.faults.length);
    expect(failed.finding!.texts[0]).toMatch(/^at \d+ ms: /);
    // The run opens as a session, through the same door as every other.
    const opened = makeWorkerApi().load(failed.finding!.session);
    expect(opened.ok).toBe(true);

    const mailer = email.start.nodes.find((n) => n.id === 'mailer')!;
    const e = api.edit({ op: 'config', id: 'mailer', config: { ...mailer.config, idempotency: 'processed-ids' } });
    expect(e.ok).toBe(true);
    const { r: passed, chunks } = await gradeAll(api);
    expect(passed).toMatchObject({ verdict: 'pass', tried: email.budget.schedules, total: email.budget.schedules, finding: null, problem: null });
    expect(chunks).toEqual([50, 100, 150, 200]);
    expect(passed.survived!.duplicate).toBeGreaterThan(0);
  });

  it('refuses to go on when the design changed since grading began', async () => {
    const api = makeWorkerApi();
    api.load(unrestored(email.start));
    expect((await api.grade({ start: gradeSpec(email), count: 1 })).verdict).not.toBe('cannot');
    api.edit({ op: 'rename', id: 'mailer', label: 'Mail' });
    expect(await api.grade({ count: 10 })).toMatchObject({ verdict: 'cannot', problem: 'the design changed since grading began: grade it again' });
  });
});
