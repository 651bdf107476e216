// Lesson text (Markdown) to HTML, safe to put in the page. micromark is CommonMark and safe
// by default: raw HTML in the text is escaped, never passed through, and link and image
// addresses with a dangerous protocol (javascript:, data:, vbscript:) are dropped. Lessons
// are checked to hold no raw HTML (src/lessons/format.test.ts); this is the second line.
// It is imported only by the lesson panel, which the app loads when a lesson is opened.
import { micromark } from 'micromark';

/** Sanitized HTML of a lesson's Markdown. Headings start at `level` (the panel's outline). */
export function renderMarkdown(markdown: string, level = 3): string {
  const html = micromark(markdown, { allowDangerousHtml: false, allowDangerousProtocol: false });
  // Lesson text sits under the panel's own headings: shift its headings down to keep the outline.
  const shift = Math.max(0, level - 1);
  return shift === 0 ? html : html.replace(/<(\/?)h([1-6])>/g, (_, slash: string, n: string) => `<${slash}h${Math.min(6, Number(n) + shift)}>`);
}
