// How an AMQP 0-9-1 exchange decides whether a binding matches a message ([AM3], [AM4]).
// Pure functions, no engine state: the exchange module (exchange.ts) calls them per binding.

export type HeaderValue = string | number | boolean;

/**
 * [AM3] Topic matching, as RabbitMQ does it. Keys are words separated by dots; in the
 * binding key `*` stands for exactly one word and `#` for zero or more words. The empty
 * routing key is zero words (so `#` matches it and `*` does not).
 */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  const p = words(bindingKey);
  const w = words(routingKey);
  // can[j] after row i: does p[i..] match w[j..]? Filled from the end, one row per pattern word.
  let next = new Uint8Array(w.length + 1);
  next[w.length] = 1;
  for (let i = p.length - 1; i >= 0; i--) {
    const row = new Uint8Array(w.length + 1);
    const word = p[i];
    if (word === '#') {
      // '#' eats nothing (next[j]) or one word and stays ('#' again at j+1).
      for (let j = w.length; j >= 0; j--) row[j] = next[j] || (j < w.length && row[j + 1]) ? 1 : 0;
    } else {
      for (let j = 0; j < w.length; j++) row[j] = (word === '*' || word === w[j]) && next[j + 1] ? 1 : 0;
    }
    next = row;
  }
  return next[0] === 1;
}

function words(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/** [AM4] Headers matching: `all` binding headers equal the message's, or `any` one does. Headers starting with `x-` are not matched. */
export function headersMatch(binding: Readonly<Record<string, HeaderValue>>, xMatch: 'all' | 'any', message: Readonly<Record<string, HeaderValue>>): boolean {
  const keys = Object.keys(binding).filter((h) => !h.startsWith('x-'));
  if (keys.length === 0) return xMatch === 'all';
  const hit = (h: string) => Object.prototype.hasOwnProperty.call(message, h) && message[h] === binding[h];
  return xMatch === 'all' ? keys.every(hit) : keys.some(hit);
}
