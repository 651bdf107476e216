// How long a share link may be before it gets into trouble. Counted on the whole URL
// (address + `#` + payload), since that is what a chat app or a browser sees.
//   ≤ 2,000: fine anywhere (the old de-facto URL limit; a typical lesson fits).
//   ≤ 8,000: works in browsers, but some chat apps and mail clients cut long links: warn.
//   beyond:  offer the scenario as a file instead.

/** Longest URL that is fine everywhere. */
export const LINK_FINE_MAX = 2_000;
/** Longest URL worth offering as a link at all (with a warning). */
export const LINK_WARN_MAX = 8_000;

export type LinkSizeAdvice = 'fine' | 'warn' | 'file';

export function linkSizeAdvice(urlLength: number): LinkSizeAdvice {
  if (urlLength <= LINK_FINE_MAX) return 'fine';
  if (urlLength <= LINK_WARN_MAX) return 'warn';
  return 'file';
}

/** A line for the Share dialog: the length and what it means. */
export function linkSizeMessage(urlLength: number): string {
  const n = urlLength.toLocaleString('en-US');
  switch (linkSizeAdvice(urlLength)) {
    case 'fine':
      return `The link is ${n} characters long.`;
    case 'warn':
      return `The link is ${n} characters long: some chat apps and mail clients cut links this long. If the receiver sees "the link looks cut off", send the scenario as a file.`;
    case 'file':
      return `The link would be ${n} characters long, too long to pass around safely. Download the scenario as a file and send that instead.`;
  }
}
