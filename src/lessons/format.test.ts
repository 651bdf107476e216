// The lesson format: front matter, the schemas of each file (errors name the file and the
// field), the index, inherited starts, and deep links.
import { describe, expect, it } from 'vitest';
import { parseFrontMatter } from './frontmatter.ts';
import { buildCourse } from './course.ts';
import { describeLessonErrors } from './schema.ts';
import { lessonHash, parseLessonHash } from './link.ts';

const md = (id: string, extra = '') => `---
id: ${id}
version: 1
title: A lesson
summary: One line.
concepts: [events]
models: >
  What is modelled, in enough words to say it.
simplifies: What is simplified, in enough words to say it.
${extra}---
Body text.
`;
const scenario = {
  format: 'eventfold/scenario',
  version: 1,
  nodes: [
    { id: 'p', kind: 'producer', config: { templates: [{ type: 'Ping' }] } },
    { id: 't', kind: 'topic' },
    { id: 'c', kind: 'consumer' },
  ],
  edges: [
    { source: 'p', target: 't' },
    { source: 't', target: 'c' },
  ],
};
const goals = [{ id: 'fired', kind: 'trace', label: 'You fired', match: { kind: 'fire' }, atLeast: 1 }];
const session = { format: 'eventfold/session', version: 1, scenario, inputs: [{ kind: 'fire', node: 'p', atStep: 0, time: 0 }] };

function files(over: Record<string, unknown> = {}): Record<string, string> {
  const base: Record<string, unknown> = {
    'lessons/index.json': { format: 'eventfold/course', version: 1, title: 'Course', chapters: [{ id: 'one', title: 'One', lessons: ['a', 'b'] }] },
    'lessons/01-a/lesson.md': md('a'),
    'lessons/01-a/start.json': scenario,
    'lessons/01-a/goals.json': goals,
    'lessons/01-a/hints.json': ['Press Fire.'],
    'lessons/01-a/solution.json': session,
    'lessons/02-b/lesson.md': md('b'),
    'lessons/02-b/start.json': { inherit: 'a', name: 'Inherited' },
    'lessons/02-b/goals.json': goals,
    'lessons/02-b/hints.json': ['Press Fire.'],
    'lessons/02-b/solution.json': session,
    ...over,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
function errorsOf(over: Record<string, unknown>): string {
  const r = buildCourse(files(over));
  return r.ok ? '' : describeLessonErrors(r.errors);
}

describe('front matter', () => {
  it('reads text, numbers, lists and folded text', () => {
    const r = parseFrontMatter(md('x', 'minutes: 4\nlist:\n  - one\n  - "two, quoted"\n'));
    expect(r.ok && r.data).toMatchObject({ id: 'x', version: 1, concepts: ['events'], models: 'What is modelled, in enough words to say it.', minutes: 4, list: ['one', 'two, quoted'] });
    expect(r.ok && r.body).toBe('Body text.\n');
  });
  it('says which line is wrong', () => {
    expect(parseFrontMatter('# no front matter')).toMatchObject({ ok: false, line: 1 });
    expect(parseFrontMatter('---\nid: x\n')).toMatchObject({ ok: false, message: expect.stringMatching(/never closed/) });
    expect(parseFrontMatter('---\nid: x\nthis is not a field\n---\n')).toMatchObject({ ok: false, line: 3 });
    expect(parseFrontMatter('---\nid: x\nid: y\n---\n')).toMatchObject({ ok: false, line: 3, message: '"id" is given twice' });
  });
});

describe('buildCourse', () => {
  it('builds chapters in index order and resolves an inherited start from the earlier solution', () => {
    const r = buildCourse(files());
    expect(r.ok ? '' : describeLessonErrors(r.errors)).toBe('');
    if (!r.ok) return;
    const [a, b] = r.course.lessons;
    expect([a.id, a.number, a.folder, a.chapter.id]).toEqual(['a', 1, '01-a', 'one']);
    expect(b.inherits).toBe('a');
    expect(b.start.name).toBe('Inherited');
    expect(b.start.nodes.map((n) => n.id)).toEqual(['p', 't', 'c']);
  });

  it('names the file and the field of every error', () => {
    expect(errorsOf({ 'lessons/01-a/goals.json': [{ ...goals[0], atLeast: 1.5 }] })).toBe('lessons/01-a/goals.json: [0].atLeast: must be a whole number');
    expect(errorsOf({ 'lessons/01-a/goals.json': [{ ...goals[0], atleast: 2 }] })).toMatch(/^lessons\/01-a\/goals.json: \[0\]\.atleast: unknown field/);
    expect(errorsOf({ 'lessons/01-a/goals.json': [{ kind: 'trace', label: 'x', match: {} }] })).toBe('lessons/01-a/goals.json: [0]: a trace goal needs "atLeast" or "atMost"');
    expect(errorsOf({ 'lessons/01-a/lesson.md': md('a').replace('title: A lesson\n', '') })).toMatch(/^lessons\/01-a\/lesson.md: front matter title: /);
    expect(errorsOf({ 'lessons/01-a/start.json': { ...scenario, nodes: [{ id: 'p', kind: 'topic', config: { partitions: 0 } }], edges: [] } })).toBe('lessons/01-a/start.json: nodes[0].config.partitions: must be at least 1');
    expect(errorsOf({ 'lessons/01-a/solution.json': { ...session, inputs: [{ kind: 'fire', atStep: 0, time: 0 }] } })).toMatch(/^lessons\/01-a\/solution.json: inputs\[0\]\.node/);
    expect(errorsOf({ 'lessons/01-a/hints.json': 'not json' })).toMatch(/^lessons\/01-a\/hints.json: is not valid JSON/);
    expect(errorsOf({ 'lessons/01-a/steps.json': [{ id: 's', title: 'S', text: 'Do it.', wait: { goal: 'nope' } }] })).toBe('lessons/01-a/steps.json: [0].wait.goal: no goal has the id "nope"');
  });

  it('refuses a folder whose name does not match its id, a missing file and a stray file', () => {
    expect(errorsOf({ 'lessons/01-a/lesson.md': md('x') })).toMatch(/lessons\/01-a\/lesson.md: front matter id: is "x" but the folder says "a"/);
    expect(errorsOf({ 'lessons/01-a/hints.json': undefined })).toMatch(/lessons\/01-a\/hints.json: is missing/);
    expect(errorsOf({ 'lessons/01-a/notes.txt': 'x' })).toMatch(/lessons\/01-a\/notes.txt: is not a lesson file/);
  });

  it('checks that the index lists every lesson exactly once', () => {
    const index = (lessons: string[]) => ({ format: 'eventfold/course', version: 1, title: 'C', chapters: [{ id: 'one', title: 'One', lessons }] });
    expect(errorsOf({ 'lessons/index.json': index(['a']) })).toBe('lessons/index.json: chapters: lessons/02-b ("b") is in no chapter');
    expect(errorsOf({ 'lessons/index.json': index(['a', 'b', 'a']) })).toBe('lessons/index.json: chapters[0].lessons[2]: "a" is listed twice (also at chapters[0].lessons[0])');
    expect(errorsOf({ 'lessons/index.json': index(['a', 'b', 'c']) })).toBe('lessons/index.json: chapters[0].lessons[2]: no lesson folder has the id "c"');
  });

  it('inherits only from a lesson that comes earlier', () => {
    expect(errorsOf({ 'lessons/01-a/start.json': { inherit: 'b' } })).toBe('lessons/01-a/start.json: inherit: "b" is not a lesson that comes before this one in lessons/index.json');
  });

  it('refuses two folders with one id', () => {
    expect(errorsOf({ 'lessons/03-a/lesson.md': md('a'), 'lessons/03-a/start.json': scenario, 'lessons/03-a/goals.json': goals, 'lessons/03-a/hints.json': ['h'], 'lessons/03-a/solution.json': session })).toMatch(
      /lessons\/03-a\/lesson.md: id: "a" is already the id of lessons\/01-a/,
    );
  });
});

describe('deep links', () => {
  it('round-trips a lesson and a lesson step', () => {
    expect(lessonHash('fan-out')).toBe('#/lesson/fan-out');
    expect(lessonHash('fan-out', 'connect')).toBe('#/lesson/fan-out/connect');
    expect(parseLessonHash('#/lesson/fan-out/connect')).toEqual({ lesson: 'fan-out', step: 'connect' });
    expect(parseLessonHash('#/lesson/fan-out')).toEqual({ lesson: 'fan-out', step: null });
  });
  it('never mistakes a share link or anything else for a lesson link', () => {
    expect(parseLessonHash('#s1z.H4sIAAAAAAAA')).toBeNull();
    expect(parseLessonHash('')).toBeNull();
    expect(parseLessonHash('#/lesson/')).toBeNull();
    expect(parseLessonHash('#/lesson/Fan Out')).toBeNull();
    expect(parseLessonHash('#/lesson/a/b/c')).toBeNull();
    expect(() => lessonHash('../x')).toThrow(RangeError);
  });
});
