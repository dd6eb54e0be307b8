import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineName } from './instance.js';
import { isSpareId, parseSpare, serializeSpare, SPARES_OFF_FILE, type SpareRecord } from './spares.js';

/** Where the home keeps its spares' records: hidden (no instance name starts with "."), root's, 0700. */
export const SPARES_DIR = '.spares';

/**
 * The records of a home's spares, one file each (<id>.json). Taking one is a rename of its
 * record to <id>.taken: atomic, so two creates never take the same spare. The epoch file is
 * bumped by every uninstall: a builder started before it never publishes after it.
 */
export class SpareStore {
  readonly dir: string;

  constructor(readonly home: string) {
    this.dir = join(home, SPARES_DIR);
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
  }

  /** The home-level off switch: a file <home>/spares-off. */
  async offByHome(): Promise<boolean> {
    return access(join(this.home, SPARES_OFF_FILE)).then(
      () => true,
      () => false,
    );
  }

  lockPath(engine: EngineName): string {
    return join(this.dir, `${engine}.lock`);
  }

  builderFile(engine: EngineName): string {
    return join(this.dir, `${engine}.builder`);
  }

  /** Ready spares; a record that does not parse is reported in `broken` (by id) for discarding. */
  async list(): Promise<{ records: SpareRecord[]; broken: string[] }> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const records: SpareRecord[] = [];
    const broken: string[] = [];
    for (const name of names) {
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !isSpareId(id)) continue;
      const text = await readFile(join(this.dir, name), 'utf8').catch(() => undefined);
      if (text === undefined) continue; // taken meanwhile
      try {
        records.push(parseSpare(text, id));
      } catch {
        broken.push(id);
      }
    }
    return { records, broken };
  }

  /** Publishes a built spare (write, then rename: a reader never sees half a record). */
  async save(record: SpareRecord): Promise<void> {
    await this.ensure();
    const tmp = join(this.dir, `.${record.id}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, serializeSpare(record), { mode: 0o600, flag: 'wx' });
    await rename(tmp, join(this.dir, `${record.id}.json`));
  }

  /** Takes the spare for one create: undefined when another took it first. */
  async claim(id: string): Promise<SpareRecord | undefined> {
    const taken = join(this.dir, `${id}.taken`);
    try {
      await rename(join(this.dir, `${id}.json`), taken);
    } catch {
      return undefined;
    }
    return parseSpare(await readFile(taken, 'utf8'), id);
  }

  /** Forgets a taken (or broken) spare's record. */
  async drop(id: string): Promise<void> {
    for (const suffix of ['.taken', '.json']) await rm(join(this.dir, `${id}${suffix}`), { force: true });
  }

  /** Where the spares being taken right now are (a create between its take and its record). */
  async takenLocations(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: string[] = [];
    for (const n of names) {
      const id = n.replace(/\.taken$/, '');
      if (!n.endsWith('.taken') || !isSpareId(id)) continue;
      const text = await readFile(join(this.dir, n), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      try {
        out.push(parseSpare(text, id).location);
      } catch {
        /* not readable: nothing it names is acted on */
      }
    }
    return out;
  }

  async epoch(): Promise<number> {
    const text = await readFile(join(this.dir, 'epoch'), 'utf8').catch(() => '0');
    return Number.parseInt(text, 10) || 0;
  }

  async bumpEpoch(): Promise<void> {
    await this.ensure();
    const next = (await this.epoch()) + 1;
    const tmp = join(this.dir, `.epoch.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, `${next}\n`, { mode: 0o600 });
    await rename(tmp, join(this.dir, 'epoch'));
  }
}
