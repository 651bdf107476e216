// Saving text as a file the learner downloads (an export, a scenario too long for a link).

/** Offers `text` (or bytes) as a download called `name`. */
export function downloadText(name: string, text: string | Uint8Array, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Chromium reads the blob when the download starts; give it a moment before letting go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
