// Peers, each against the raw baseline of its engine in the same run: testcontainers-node with
// the same image against docker run + poll; Debian's pg_createcluster against initdb + pg_ctl.
import { debianMajor, DebianCluster, removeContainer, testcontainersStart } from '../lib/peers.mjs';
import { RawCluster } from '../lib/raw-native.mjs';
import { RawContainer } from '../lib/raw-docker.mjs';
import { paired, skipped, timed } from '../lib/stats.mjs';

export async function testcontainersPeer(ctx) {
  return [
    await paired('peer: testcontainers-node 11, new container to ready', ctx.rounds, {
      tool: async () => {
        let id;
        const ms = await timed(async () => {
          id = await testcontainersStart(ctx.image);
        });
        await removeContainer(id);
        return ms;
      },
      baseline: async (r) => {
        const raw = new RawContainer(ctx.image, `rp-bench-raw-tc-${process.pid}-${r}`);
        const ms = await timed(() => raw.runAndWait());
        await raw.remove();
        return ms;
      },
      baselineName: 'docker run + poll',
      note: 'peer',
    }),
  ];
}

export async function createclusterPeer(ctx) {
  const major = await debianMajor();
  if (!major)
    return [
      skipped('peer: pg_createcluster', 'skipped: postgresql-common is not installed (apt-get install postgresql)'),
    ];
  return [
    await paired(`peer: Debian pg_createcluster ${major} --start, to ready`, ctx.rounds, {
      tool: async (r) => {
        const cluster = new DebianCluster(major, `${ctx.clusterPrefix}${r}`, ctx.serverUser);
        await cluster.prepare(ctx.root);
        const ms = await timed(() => cluster.createAndWait());
        await cluster.remove();
        return ms;
      },
      baseline: async (r) => {
        const raw = new RawCluster(ctx.root, `raw-pc-${r}`, ctx.serverUser);
        await raw.prepare();
        const ms = await timed(() => raw.initStartAndWait());
        await raw.remove();
        return ms;
      },
      baselineName: 'initdb + pg_ctl -w start + poll (npm 16)',
      note: 'peer',
    }),
  ];
}
