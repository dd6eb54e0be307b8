import { stringify } from 'yaml';
import type { Manifest } from './manifest.js';

/**
 * YAML 1.1 output: kubectl and docker compose read YAML 1.1, where a bare on/off/yes/no is a
 * boolean; 1.1 mode quotes them, so `log_connections: "on"` stays the string a parameter is.
 */
function body(m: Manifest): string {
  const text = stringify(m.body, { version: '1.1', lineWidth: 0 });
  return m.stub ? text.replace(/^(?=.)/gm, '# ') : text;
}

const comment = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? `# ${l}` : '#'))
    .join('\n');

/** One file's text: its comment, then the document (commented out for a stub). */
export function manifestText(m: Manifest): string {
  return `${comment(m.comment)}\n${body(m)}`;
}

/** Every manifest as one stream for stdout; a stub rides at the end as comments, never as an empty document. */
export function streamText(manifests: Manifest[]): string {
  const docs = manifests.filter((m) => !m.stub).map(manifestText);
  const stubs = manifests.filter((m) => m.stub).map(manifestText);
  return [docs.join('---\n'), ...stubs].join('\n');
}
