import { createHash, type Hash } from 'node:crypto';
import { usageError } from '../../core/errors.js';

/**
 * Which files of a directory are migrations, in what order, and what each one's checksum
 * and transaction mode are. Pure: the caller lists the directory and streams the files.
 */
export interface MigrationFile {
  version: number;
  /** The part after NNN_, without .sql. */
  name: string;
  /** The file name, e.g. 003_add_index.sql. */
  file: string;
}

export interface IgnoredFile {
  file: string;
  reason: string;
}

/**
 * NNN_name.sql, name of letters, digits, _ and -. A dot in the name is refused on purpose:
 * 003_x.down.sql or 003_x.rollback.sql must never be applied forward.
 */
const MIGRATION_RE = /^(\d{1,15})_([A-Za-z0-9_-]+)\.sql$/;

export function selectMigrations(entries: Array<{ name: string; isFile: boolean }>): {
  migrations: MigrationFile[];
  ignored: IgnoredFile[];
} {
  const migrations: MigrationFile[] = [];
  const ignored: IgnoredFile[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // .gitkeep, editor swap files
    const m = MIGRATION_RE.exec(e.name);
    if (!e.isFile) ignored.push({ file: e.name, reason: 'not a file' });
    else if (!m)
      ignored.push({ file: e.name, reason: e.name.endsWith('.sql') ? 'not named NNN_name.sql' : 'not a .sql file' });
    else migrations.push({ version: Number(m[1]), name: m[2]!, file: e.name });
  }
  migrations.sort((a, b) => a.version - b.version || a.file.localeCompare(b.file));
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw usageError(
        `two migrations have version ${migrations[i]!.version}: ${migrations[i - 1]!.file} and ${migrations[i]!.file}`,
        'give every migration its own number',
      );
    }
  }
  ignored.sort((a, b) => a.file.localeCompare(b.file));
  return { migrations, ignored };
}

/** `-- resource-postgres: no-transaction` on a line of its own: run the file outside a transaction. */
const NO_TX_RE = /^[ \t]*--[ \t]*resource-postgres:[ \t]*no-transaction[ \t]*$/im;
/** A marker line is short; longer partial lines are not kept while scanning. */
const MAX_MARKER_LINE = 200;

/**
 * Checksum and marker of one migration, fed in chunks. The checksum is SHA-256 of the text
 * with CRLF read as LF, so a checkout on Windows (autocrlf) does not look like an edit.
 */
export class MigrationScan {
  private readonly hash: Hash = createHash('sha256');
  private pendingCR = false;
  private partial = '';
  private noTx = false;

  update(chunk: string): void {
    let text = this.pendingCR ? `\r${chunk}` : chunk;
    this.pendingCR = text.endsWith('\r');
    if (this.pendingCR) text = text.slice(0, -1);
    text = text.replace(/\r\n/g, '\n');
    this.hash.update(text, 'utf8');
    if (this.noTx) return;
    const lines = this.partial + text;
    const cut = lines.lastIndexOf('\n') + 1;
    if (cut > 0 && NO_TX_RE.test(lines.slice(0, cut))) this.noTx = true;
    const rest = lines.slice(cut);
    this.partial = rest.length > MAX_MARKER_LINE ? '\u0000' : rest;
  }

  result(): { checksum: string; no_transaction: boolean } {
    if (this.pendingCR) this.hash.update('\r', 'utf8');
    if (!this.noTx && NO_TX_RE.test(this.partial)) this.noTx = true;
    return { checksum: this.hash.digest('hex'), no_transaction: this.noTx };
  }
}

export function scanText(text: string): { checksum: string; no_transaction: boolean } {
  const s = new MigrationScan();
  s.update(text);
  return s.result();
}
