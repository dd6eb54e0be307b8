import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { CliError, describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { startWalFile } from '../../core/physical-backup.js';
import { clientConfig, loadPg } from '../client.js';

/**
 * One session holding the server in (non-exclusive) backup mode: pg_backup_start on 15+,
 * pg_start_backup(label, fast, false) before. The session must stay open from start to
 * stop; if it dies (we are killed), the server ends the backup mode by itself. A temporary
 * physical replication slot, created first, keeps the server from recycling the WAL the
 * copy needs until we have copied it; it disappears with the session.
 */
export interface BackupStop {
  labelFile: string;
  spcmapFile: string;
  startLsn: string;
  stopLsn: string;
  startWal: string;
  stopWal: string;
}

export interface BackupModeSession {
  readonly startLsn: string;
  readonly slot: boolean;
  stop(): Promise<BackupStop>;
  close(): Promise<void>;
}

export async function enterBackupMode(
  instance: Instance,
  label: string,
  versionNum: number,
): Promise<BackupModeSession> {
  const pg = await loadPg();
  const client: Client = new pg.Client(clientConfig(instance, { database: 'postgres' }));
  client.on('error', () => {});
  await client.connect();
  const modern = versionNum >= 150000;
  try {
    const name = `resource_postgres_backup_${randomBytes(4).toString('hex')}`;
    const slot = await client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [name]).then(
      () => true,
      () => false,
    );
    const start = await client.query<{ lsn: string }>(
      modern ? 'SELECT pg_backup_start($1, true) AS lsn' : 'SELECT pg_start_backup($1, true, false) AS lsn',
      [label],
    );
    const startLsn = start.rows[0]!.lsn;
    return {
      startLsn,
      slot,
      async stop() {
        const res = await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null }>(
          modern
            ? 'SELECT lsn, labelfile, spcmapfile FROM pg_backup_stop(false)'
            : 'SELECT lsn, labelfile, spcmapfile FROM pg_stop_backup(false, false)',
        );
        const row = res.rows[0]!;
        const stopWal = (await client.query<{ f: string }>('SELECT pg_walfile_name($1) AS f', [row.lsn])).rows[0]!.f;
        const startWal = startWalFile(row.labelfile);
        if (!startWal)
          throw new CliError('failed', 'pg_backup_stop returned a backup label without a START WAL LOCATION', {
            details: row.labelfile,
          });
        return {
          labelFile: row.labelfile,
          spcmapFile: row.spcmapfile ?? '',
          startLsn,
          stopLsn: row.lsn,
          startWal,
          stopWal,
        };
      },
      close: () => client.end().catch(() => {}),
    };
  } catch (e) {
    await client.end().catch(() => {});
    throw new CliError('failed', `instance ${instance.name} could not enter backup mode: ${describeError(e)}`, {
      hint: 'physical backups need a superuser connection and wal_level replica (not the testing template)',
    });
  }
}
