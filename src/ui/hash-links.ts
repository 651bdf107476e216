// Links inside the app's URL fragment (`#/lesson/…`, `#/challenge/…`): each launcher reads the
// hash once the app is ready and again on every hashchange. They never look like share links,
// whose payload starts `#s1z.`.

/** Calls `onHash` once `ready` resolves and on every hashchange; returns the function that stops. */
export function followHash(ready: Promise<unknown>, onHash: (hash: string) => void): () => void {
  const read = () => onHash(location.hash);
  let live = true;
  void ready.then(() => live && read());
  addEventListener('hashchange', read);
  return () => {
    live = false;
    removeEventListener('hashchange', read);
  };
}

/** A part of a link as the learner typed it, decoded; as it came when it is not valid percent-encoding. */
export function decodeLinkPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
