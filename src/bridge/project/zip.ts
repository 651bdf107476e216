// A generated project as one .zip (folder `<name>/` inside), with fflate (loaded with the
// generator, on first use).
import { strToU8, zipSync } from 'fflate';
import type { Project } from './generate.ts';

/** The zip's bytes; every file under the project's folder, times fixed so the same project zips the same. */
export function projectZip(project: Project): Uint8Array {
  const mtime = new Date('2026-01-01T00:00:00Z');
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const f of project.files) entries[`${project.name}/${f.path}`] = [strToU8(f.text), { mtime }];
  return zipSync(entries, { level: 6 });
}
