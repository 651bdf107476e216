// A tiny reader for the front matter of a lesson.md: the YAML subset lessons need and
// nothing more (no anchors, no tags, no nesting beyond one list), so a lesson file can
// never smuggle in anything but text, numbers, true/false and lists of those.
//
//   ---
//   id: fan-out
//   version: 1
//   title: One event, three services
//   concepts: [events, pub/sub]
//   models: >
//     Folded text: the indented lines below are joined with spaces.
//   ---
//   The Markdown body.

export type FrontValue = string | number | boolean | FrontValue[];

export type FrontMatter =
  | { ok: true; data: Record<string, FrontValue>; body: string; bodyLine: number }
  | { ok: false; line: number; message: string };

/** Splits `---` front matter from the Markdown body and reads it. Never throws. */
export function parseFrontMatter(text: string): FrontMatter {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') return { ok: false, line: 1, message: 'must start with a line "---" opening the front matter' };
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) return { ok: false, line: 1, message: 'the front matter is never closed: add a line "---" after it' };
  const data: Record<string, FrontValue> = {};
  let i = 1;
  while (i < end) {
    const line = lines[i];
    if (line.trim() === '' || line.trimStart().startsWith('#')) {
      i++;
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9_-]*):(.*)$/.exec(line);
    if (!m) return { ok: false, line: i + 1, message: `expected "name: value", got "${line.trim()}"` };
    const key = m[1];
    const rest = m[2].trim();
    if (Object.prototype.hasOwnProperty.call(data, key)) return { ok: false, line: i + 1, message: `"${key}" is given twice` };
    i++;
    if (rest === '>' || rest === '|') {
      // A block of indented lines: folded (joined by spaces) or literal (kept as lines).
      const block: string[] = [];
      while (i < end && (lines[i].trim() === '' || /^\s+/.test(lines[i]))) block.push(lines[i++].trim());
      while (block.length && block[block.length - 1] === '') block.pop();
      data[key] = rest === '>' ? block.join(' ').replace(/\s+/g, ' ').trim() : block.join('\n');
    } else if (rest === '') {
      // A block list: indented "- item" lines.
      const items: FrontValue[] = [];
      while (i < end && /^\s+-\s/.test(lines[i])) items.push(scalar(lines[i++].replace(/^\s+-\s/, '').trim()));
      data[key] = items;
    } else if (rest.startsWith('[')) {
      if (!rest.endsWith(']')) return { ok: false, line: i, message: `the list for "${key}" must end with "]" on the same line` };
      const inner = rest.slice(1, -1).trim();
      data[key] = inner === '' ? [] : splitList(inner).map(scalar);
    } else {
      data[key] = scalar(rest);
    }
  }
  const body = lines.slice(end + 1).join('\n').replace(/^\n+/, '');
  return { ok: true, data, body, bodyLine: end + 2 };
}

function splitList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of s) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function scalar(s: string): FrontValue {
  if ((s.startsWith('"') && s.endsWith('"') && s.length >= 2) || (s.startsWith("'") && s.endsWith("'") && s.length >= 2)) return s.slice(1, -1);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}
