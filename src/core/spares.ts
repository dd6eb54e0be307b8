import { createHash } from 'node:crypto';
import { CliError } from './errors.js';
import type { EngineName } from './instance.js';
import { Secret } from './secret.js';

/**
 * Spares (pure): pre-initialised clusters (native) or volumes (docker) a create takes instead
 * of running initdb. A spare is only ever used by a create whose key equals the key it was
 * built for: the key covers everything that shaped its data (engine, major, the binaries or
 * image, the superuser and database initdb made, the template), so a spare built by other
 * binaries or for another template is stale and is discarded, never used.
 */

/** The argv word the program runs its own background spare builder with (main.ts). */
export const SPARE_BUILDER_ARG = '__spare-build';

/** RESOURCE_POSTGRES_SPARES=off turns spares off for a process; a file <home>/spares-off for a home. */
export const SPARES_ENV = 'RESOURCE_POSTGRES_SPARES';
export const SPARES_OFF_FILE = 'spares-off';

/** Is the env switch off? Unknown values are refused: a typo must not silently leave spares on. */
export function sparesEnvOff(env: NodeJS.ProcessEnv): boolean {
  const value = env[SPARES_ENV];
  if (value === undefined || value === '' || value === 'on') return false;
  if (value === 'off') return true;
  throw new CliError('usage', `${SPARES_ENV}=${JSON.stringify(value)} is not on or off`, {
    hint: `set ${SPARES_ENV}=off to turn spares off, or unset it`,
  });
}

/** What shaped a spare's data; engine-specific identity (binaries or image) in `identity`. */
export interface SpareKeyParts {
  engine: EngineName;
  major: string;
  superuser: string;
  database: string;
  template: string;
  /** The template's contents, so an edited template of the same name is another key. */
  templateDigest: string;
  identity: Record<string, string>;
}

/**
 * key: a stable digest of all the parts (identity keys sorted): equal parts, equal key.
 * slot: what a create asks for (engine, major, superuser, database, template by name): a spare
 * of the same slot with another key was built by other binaries, image or template contents.
 */
export function spareKey(parts: SpareKeyParts): { key: string; slot: string } {
  const sorted = Object.fromEntries(Object.entries(parts.identity).sort(([a], [b]) => a.localeCompare(b)));
  const { engine, major, superuser, database, template } = parts;
  return {
    key: digestOf({ ...parts, identity: sorted }, 32),
    slot: digestOf({ engine, major, superuser, database, template }, 32),
  };
}

export function digestOf(value: unknown, length = 16): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length);
}

/** One ready spare, as recorded in <home>/.spares/<id>.json (root's, 0600). */
export interface SpareRecord {
  id: string;
  engine: EngineName;
  major: string;
  key: string;
  slot: string;
  created: string;
  /** Where its data is: the native data directory, or the docker volume. */
  location: string;
  /** The superuser's password initdb set: given to the one instance that takes the spare. */
  password: Secret;
}

const ID_RE = /^[0-9a-f]{12}$/;
const KEY_RE = /^[0-9a-f]{32}$/;

export const isSpareId = (id: string) => ID_RE.test(id);

export function serializeSpare(r: SpareRecord): string {
  return `${JSON.stringify({ ...r, password: r.password.reveal() }, null, 2)}\n`;
}

/** Strict: the program acts on these fields as root (it renames or removes `location`). */
export function parseSpare(text: string, id: string): SpareRecord {
  const bad = (what: string) =>
    new CliError('config', `spare ${id}: ${what}`, { hint: 'it is discarded; remove the file if it stays' });
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad('not JSON');
  }
  const str = (k: string) => {
    const v = raw[k];
    if (typeof v !== 'string' || v === '' || v.length > 4096 || /[\0\n]/.test(v)) throw bad(`bad ${k}`);
    return v;
  };
  if (str('id') !== id || !ID_RE.test(id)) throw bad('id does not match its file');
  const engine = str('engine');
  if (engine !== 'native' && engine !== 'docker') throw bad('bad engine');
  const major = str('major');
  if (!/^\d{1,2}$/.test(major)) throw bad('bad major');
  const key = str('key');
  const slot = str('slot');
  if (!KEY_RE.test(key) || !KEY_RE.test(slot)) throw bad('bad key');
  const created = str('created');
  if (Number.isNaN(Date.parse(created))) throw bad('bad created');
  const password = str('password');
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(password)) throw bad('bad password');
  return { id, engine, major, key, slot, created, location: str('location'), password: new Secret(password) };
}

/**
 * The spare a create takes (the oldest with its exact key), and the stale ones: same slot,
 * another key. Spares of other slots (another template, major or engine) are left alone.
 */
export function pickSpare(
  records: SpareRecord[],
  want: { engine: EngineName; key: string; slot: string },
): { use?: SpareRecord; stale: SpareRecord[] } {
  const mine = records
    .filter((r) => r.engine === want.engine && r.slot === want.slot)
    .sort((a, b) => a.created.localeCompare(b.created));
  return { use: mine.find((r) => r.key === want.key), stale: mine.filter((r) => r.key !== want.key) };
}

/** Age for status: "42 s", "3 min", "2 h", "5 d". */
export function spareAge(created: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(created)) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
