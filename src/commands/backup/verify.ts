import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.js';
import type { StoredBackup } from './store.js';
import { describeError } from '../../core/errors.js';
import { tableCounts } from '../../postgres/backup/catalog.js';
import { result } from '../result.js';
import { checkFiles, type FileCheck } from './checksums.js';
import { createCloneTarget, discardInstance } from './clone-target.js';
import { storeOf } from './store.js';
import type { BackupOptionsOf } from './options.js';
import { restoreInto } from './restore.js';

export interface TableCheck {
  database: string;
  table: string;
  expected: number;
  /** null: the table is missing after the restore. */
  actual: number | null;
  ok: boolean;
}

export interface BackupVerifyData {
  name: string;
  instance: string;
  ok: boolean;
  files: FileCheck[];
  restore_test?: { ok: boolean; instance: string; tables: TableCheck[]; error?: string };
  message: string;
}

/** Per-table row counts of the restored databases against the manifest's. */
async function compareCounts(ctx: Context, backup: StoredBackup, instanceName: string): Promise<TableCheck[]> {
  const instance = await ctx.registry.get(instanceName);
  const out: TableCheck[] = [];
  for (const db of backup.manifest.databases) {
    const actual = new Map((await tableCounts(instance, db.name)).map((t) => [t.table, t.rows]));
    for (const t of db.tables) {
      const got = actual.get(t.table) ?? null;
      out.push({ database: db.name, table: t.table, expected: t.rows, actual: got, ok: got === t.rows });
    }
  }
  return out;
}

/** Restores into a throwaway instance (always removed afterwards) and compares row counts. */
async function restoreTest(
  ctx: Context,
  backup: StoredBackup,
  signal: AbortSignal,
  pgBin?: string,
): Promise<NonNullable<BackupVerifyData['restore_test']>> {
  const name = `verify-${randomBytes(4).toString('hex')}`;
  let created;
  try {
    created = await createCloneTarget(ctx, backup, name);
    await restoreInto(ctx, created.engine, created.instance, backup, undefined, signal, pgBin, true);
    const tables = await compareCounts(ctx, backup, name);
    return { ok: tables.every((t) => t.ok), instance: name, tables };
  } catch (e) {
    return { ok: false, instance: name, tables: [], error: describeError(e) };
  } finally {
    const instance = await ctx.registry.find(name).catch(() => undefined);
    if (instance) await discardInstance(ctx, instance);
  }
}

export async function verifyBackup(ctx: Context, opts: BackupOptionsOf<'verify'>, signal: AbortSignal) {
  const backup = await storeOf(ctx, opts).find(opts.name, opts.instance);
  const files = await checkFiles(backup);
  const filesOk = files.every((f) => f.ok);
  // A restore test of damaged files would only repeat the checksum verdict, slowly.
  const test = opts.restoreTest && filesOk ? await restoreTest(ctx, backup, signal, opts.pgBin) : undefined;
  const ok = filesOk && (test?.ok ?? true);
  const bad = files.filter((f) => !f.ok);
  const parts = [
    filesOk
      ? `${files.length} file(s) match their sha256`
      : `${bad.length} of ${files.length} file(s) do not match: ${bad.map((f) => `${f.path} (${f.problem})`).join(', ')}`,
  ];
  if (test)
    parts.push(
      test.ok
        ? `restore test passed (${test.tables.length} table row count(s) match)`
        : `restore test FAILED${
            test.error
              ? `: ${test.error}`
              : `: ${test.tables
                  .filter((t) => !t.ok)
                  .map((t) => `${t.database}.${t.table} expected ${t.expected}, got ${t.actual ?? 'no table'}`)
                  .join('; ')}`
          }`,
    );
  const message = `backup ${backup.name} ${ok ? 'verified' : 'FAILED verification'}: ${parts.join('; ')}`;
  return result<BackupVerifyData>(
    'backup-verify',
    { name: backup.name, instance: backup.instance, ok, files, restore_test: test, message },
    ok ? 0 : 1,
  );
}
