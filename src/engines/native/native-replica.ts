import { join } from 'node:path';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { ReplicaLink } from '../../core/replica.js';
import type { BackupBracket, EngineReplicaCapabilities, Progress } from '../engine.js';
import type { PgBinaries } from './binaries.js';
import { startServer } from './control.js';
import { checkMajor, dataMajor } from './initdb.js';
import { findLayout } from './layout.js';
import { copyBase, removeStandbyFiles, writeAsServer, writeStandbyFiles } from './replica-files.js';
import type { ServerUser } from './run-as.js';
import { legacyServerUids } from './legacy-owner.js';
import { ensureInstanceUser, lookupUser } from './os-users.js';
import { openDirNoFollow } from './safe-fs.js';
import { checkReachable, ensureDirs, planLayout, writeServerConfig } from './server-files.js';

/** The server user of an instance when we are root (os-users.ts), recorded on it; else undefined. */
async function serverUserOf(home: string, instance: Instance): Promise<ServerUser | undefined> {
  if (process.geteuid?.() !== 0) return undefined;
  const user = await ensureInstanceUser(home, instance.name, instance.extra.server_user);
  instance.extra.server_user = user.name;
  return user;
}

/** Who owns a data directory, when it is not us: the user its server runs as. */
async function ownerOf(dataDir: string): Promise<ServerUser | undefined> {
  const fh = await openDirNoFollow(dataDir).catch(() => undefined);
  if (!fh) return undefined;
  const { uid, gid } = await fh.stat().finally(() => fh.close());
  if (uid === process.geteuid?.()) return undefined;
  return (await lookupUser(String(uid))) ?? { name: String(uid), uid, gid, home: '/' };
}

export function nativeReplicas(
  home: string,
  locate: (instance: Instance) => Promise<PgBinaries>,
  startTimeoutSec: number,
  engine: { applyTls(instance: Instance): Promise<unknown> },
): Required<EngineReplicaCapabilities> {
  return {
    // pg_hba always lets REPLICATION roles in over loopback (render.ts): a primary made by an
    // older version only needs its files rewritten and a reload.
    async allowReplication(primary) {
      await engine.applyTls(primary);
    },

    async createReplica(replica: Instance, link: ReplicaLink, bracket: BackupBracket, progress: Progress, made) {
      const bins = await locate(replica);
      const user = await serverUserOf(home, replica);
      const layout = await planLayout(home, replica, user);
      await ensureDirs(home, replica, layout, user, user ? await legacyServerUids() : []);
      await checkReachable(layout, user);
      if (await dataMajor(layout.data))
        throw new CliError('conflict', `instance ${replica.name} already has data in ${layout.data}`, {
          hint: `a replica starts from an empty data directory: resource-postgres manage uninstall --instance ${replica.name} --force`,
        });
      made(); // from here on the data directory is this create's own
      const from = (await findLayout(home, link.primary)).data;
      progress(`copying the data of instance ${link.primary.name} into ${layout.data}`);
      await bracket.start();
      let label: { labelFile: string; spcmapFile: string } | undefined;
      try {
        await copyBase(from, await ownerOf(from), layout.data, user);
      } finally {
        // Always ends the backup mode; a failed copy's error wins over the label.
        label = await bracket.stop();
      }
      // backup_label makes the standby start from the backup's checkpoint and stream the rest.
      await writeAsServer(user, join(layout.data, 'backup_label'), label.labelFile);
      if (label.spcmapFile) await writeAsServer(user, join(layout.data, 'tablespace_map'), label.spcmapFile);
      await writeAsServer(user, join(layout.data, 'standby.signal'), '');
      checkMajor(layout.data, (await dataMajor(layout.data))!, bins);
      replica.version = bins.major;
      await writeStandbyFiles(layout.confDir, link, replica.name, user);
      await writeServerConfig(home, replica, layout, user);
      progress(`starting the replica on ${replica.host}:${replica.port}`);
      await startServer({ instance: replica, layout, bins, user, timeoutSec: startTimeoutSec });
    },

    async forgetPrimary(replica) {
      await removeStandbyFiles((await findLayout(home, replica)).confDir);
    },
  };
}
