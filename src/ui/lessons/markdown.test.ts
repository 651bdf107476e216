// Lesson Markdown is rendered, and anything that could run is not.
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.ts';
import { loadCourse } from '../../lessons/index.ts';

describe('renderMarkdown', () => {
  it('renders emphasis, code and paragraphs', () => {
    expect(renderMarkdown('Press **Fire** on `Checkout`.\n\nThen *Play*.')).toBe('<p>Press <strong>Fire</strong> on <code>Checkout</code>.</p>\n<p>Then <em>Play</em>.</p>');
  });

  it('escapes raw HTML instead of passing it through', () => {
    const html = renderMarkdown('Hi <img src=x onerror="alert(1)"> <script>alert(2)</script>');
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain('&lt;img');
  });

  it('drops javascript: and data: link addresses, keeps https', () => {
    expect(renderMarkdown('[x](javascript:alert(1)) [y](data:text/html,hi)')).not.toMatch(/javascript:|data:/);
    expect(renderMarkdown('[Kafka](https://kafka.apache.org/)')).toContain('href="https://kafka.apache.org/"');
  });

  it('moves headings under the panel\'s own', () => {
    expect(renderMarkdown('# A\n\n## B', 3)).toBe('<h3>A</h3>\n<h4>B</h4>');
  });

  it('renders every lesson and every guided step without a raw tag', () => {
    for (const l of loadCourse().lessons) {
      for (const text of [l.body, ...l.steps.map((s) => s.text)]) {
        const html = renderMarkdown(text);
        expect(html, l.id).not.toMatch(/<(script|img|iframe|style)|on\w+=/i);
        expect(html.length, l.id).toBeGreaterThan(0);
      }
    }
  });
});
