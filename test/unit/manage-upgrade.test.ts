import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/program.js';
import { fromStatus, pipeScript } from '../../src/engines/docker/container-pipe.js';
import {
  checkUpgradeRequest,
  compareTableCounts,
  describeMismatches,
  recordedMajor,
} from '../../src/commands/manage/upgrade-check.js';
import { recordBefore, targetOf } from '../../src/commands/manage/upgrade-rollback.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import type { UpgradeJournal } from '../../src/core/upgrade-journal.js';
import { dockerUpgradedInstance, dockerUpgradeTarget } from '../../src/engines/docker/docker-upgrade.js';
import { layoutOf, RELOCATION_ROOT, relocatedDataDir } from '../../src/engines/native/layout.js';
import { nativeUpgradedInstance, nativeUpgradeTarget, targetRoot } from '../../src/engines/native/native-upgrade.js';

const instance = (over: Partial<Instance> = {}): Instance => ({
  name: 'app',
  engine: 'docker',
  image: 'postgres:15-alpine',
  version: '15',
  port: 5440,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('pw'),
  database: 'vrooli',
  template: 'development',
  created: '2026-01-01T00:00:00.000Z',
  desiredState: 'running',
  extra: {},
  ...over,
});

describe('upgrade request checks', () => {
  const app = instance();
  it('reads the major from instance.conf, else from the image tag', () => {
    expect(recordedMajor({ version: '16' })).toBe(16);
    expect(recordedMajor({ version: '16.4' })).toBe(16);
    expect(recordedMajor({ image: 'resource-postgres-test:15' })).toBe(15);
    expect(recordedMajor({ image: 'postgres:17-alpine' })).toBe(17);
    expect(recordedMajor({ image: 'postgres:latest' })).toBeUndefined();
  });
  it('accepts a newer known major', () => {
    expect(() => checkUpgradeRequest(app, 15, 17, undefined)).not.toThrow();
    expect(() => checkUpgradeRequest(app, undefined, 17, 'img:17')).not.toThrow();
  });
  it('refuses the same major, a downgrade, an unknown major and --image on native, naming the input', () => {
    expect(() => checkUpgradeRequest(app, 17, 17, undefined)).toThrow(/already runs PostgreSQL 17; nothing to upgrade/);
    expect(() => checkUpgradeRequest(app, 17, 16, undefined)).toThrow(/--pg-version 16 is older .* downgrades/);
    expect(() => checkUpgradeRequest(app, 15, 99, undefined)).toThrow(/unknown PostgreSQL major --pg-version 99/);
    expect(() => checkUpgradeRequest(app, 15, 16.5, undefined)).toThrow(/unknown PostgreSQL major/);
    expect(() => checkUpgradeRequest({ name: 'n', engine: 'native' }, 16, 17, 'x:17')).toThrow(
      /--image applies to docker instances/,
    );
  });
});

describe('row count comparison', () => {
  const expected = [
    {
      name: 'app',
      tables: [
        { table: 'public.a', rows: 3 },
        { table: 'public.b', rows: 0 },
      ],
    },
    { name: 'second', tables: [{ table: 's.t', rows: 10 }] },
  ];
  it('passes only when every table of every database has exactly the same count', () => {
    const actual = new Map([
      [
        'app',
        [
          { table: 'public.a', rows: 3 },
          { table: 'public.b', rows: 0 },
        ],
      ],
      ['second', [{ table: 's.t', rows: 10 }]],
    ]);
    expect(compareTableCounts(expected, actual)).toEqual([]);
  });
  it('reports a different count, a missing table, a missing database and an extra table', () => {
    const actual = new Map([
      [
        'app',
        [
          { table: 'public.a', rows: 2 },
          { table: 'public.extra', rows: 1 },
        ],
      ],
    ]);
    const wrong = compareTableCounts(expected, actual);
    expect(wrong).toEqual([
      { database: 'app', table: 'public.a', expected: 3, actual: 2 },
      { database: 'app', table: 'public.b', expected: 0, actual: null },
      { database: 'app', table: 'public.extra', expected: 0, actual: 1 },
      { database: 'second', table: 's.t', expected: 10, actual: null },
    ]);
    expect(describeMismatches(wrong, 2)).toBe(
      'app: public.a expected 3 row(s), got 2; app: public.b expected 0 row(s), got no table; and 2 more',
    );
  });
  it('does not confuse the same table name in two databases', () => {
    const actual = new Map([
      [
        'app',
        [
          { table: 'public.a', rows: 3 },
          { table: 'public.b', rows: 0 },
        ],
      ],
      ['second', [{ table: 's.t', rows: 3 }]],
    ]);
    expect(compareTableCounts(expected, actual)).toEqual([
      { database: 'second', table: 's.t', expected: 10, actual: 3 },
    ]);
  });
});

describe('docker upgrade target', () => {
  const app = instance({ extra: { data_volume: 'resource-postgres-app.pg16-data' } });
  it('gets a container and volume of its own, never an instance name, on the temporary port', () => {
    const t = dockerUpgradeTarget(app, 17, { port: 5450 });
    expect(t).toMatchObject({ name: 'app.pg17', image: 'postgres:17-alpine', version: '17', port: 5450 });
    expect(t.extra.data_volume).toBeUndefined();
    expect(dockerUpgradeTarget(app, 17, { port: 5450, image: 'mine:17' }).image).toBe('mine:17');
  });
  it('is recorded as the instance with the new image and volume, keeping its name and port', () => {
    const done = dockerUpgradedInstance(app, dockerUpgradeTarget(app, 17, { port: 5450 }));
    expect(done).toMatchObject({ name: 'app', port: 5440, image: 'postgres:17-alpine', version: '17' });
    expect(done.extra.data_volume).toBe('resource-postgres-app.pg17-data');
  });
});

describe('native upgrade target', () => {
  it('initialises beside the old data in <instance dir>/pg<major>/data, which layout keeps apart', () => {
    const n = instance({ engine: 'native', image: undefined, version: '16', pgBin: '/opt/pg16/bin' });
    const t = nativeUpgradeTarget('/h', n, 17, 5450);
    expect(t).toMatchObject({ name: 'app', version: '17', port: 5450, pgBin: undefined, dataDir: '/h/app/pg17/data' });
    expect(layoutOf('/h', t)).toMatchObject({ root: '/h/app/pg17', confDir: '/h/app/pg17/server-conf' });
    expect(layoutOf('/h', n).data).toBe('/h/app/data');
    expect(targetRoot('/h', t)).toBe('/h/app/pg17');
    expect(nativeUpgradedInstance(n, t)).toMatchObject({ port: 5440, version: '17', dataDir: '/h/app/pg17/data' });
    // A second upgrade goes beside, not inside, the first one's directory.
    const again = nativeUpgradeTarget('/h', { ...n, version: '17', dataDir: '/h/app/pg17/data' }, 18, 5451);
    expect(again.dataDir).toBe('/h/app/pg18/data');
  });
  it('keeps a relocated instance under its relocated root, which uninstall removes whole', () => {
    const n = instance({ engine: 'native', dataDir: relocatedDataDir('/root/h', 'app') });
    const t = nativeUpgradeTarget('/root/h', n, 17, 5450);
    const base = relocatedDataDir('/root/h', 'app').replace(/\/data$/, '');
    expect(t.dataDir).toBe(`${base}/pg17/data`);
    expect(layoutOf('/root/h', t).relocatedRoot).toBe(base);
    expect(base.startsWith(RELOCATION_ROOT)).toBe(true);
  });
  it('refuses to remove anything but an upgrade directory of the instance', () => {
    const n = instance({ engine: 'native' });
    expect(() => targetRoot('/h', { ...n, dataDir: '/h/app/data' })).toThrow(/not removing/);
    expect(() => targetRoot('/h', { ...n, dataDir: '/h/other/pg17/data' })).toThrow(/not removing/);
    expect(() => targetRoot('/h', { ...n, dataDir: '/h/app/pg17/x' })).toThrow(/not removing/);
  });
});

describe('journal records', () => {
  const journal: UpgradeJournal = {
    phase: 'switching',
    major: 17,
    target: { name: 'app.pg17', port: 5450, image: 'postgres:17-alpine', version: '17' },
    before: { version: '15', image: 'postgres:15-alpine' },
    wasRunning: true,
    started: '2026-01-01T00:00:00.000Z',
  };
  it('puts back exactly the fields an upgrade changed', () => {
    const now = instance({ image: 'postgres:17-alpine', version: '17', extra: { data_volume: 'v17', keep: 'x' } });
    expect(recordBefore(now, journal)).toEqual(instance({ extra: { keep: 'x' } }));
    const earlier = { ...journal, before: { ...journal.before, dataVolume: 'v16' } };
    expect(recordBefore(now, earlier).extra).toEqual({ keep: 'x', data_volume: 'v16' });
  });
  it('rebuilds the target from the journal and the record (credentials included)', () => {
    const t = targetOf(instance({ extra: { data_volume: 'v16' } }), journal);
    expect(t).toMatchObject({ name: 'app.pg17', port: 5450, image: 'postgres:17-alpine', version: '17', extra: {} });
    expect(t.password.reveal()).toBe('pw');
  });
});

describe('manage upgrade on the command line', () => {
  const parse = (line: string[]) => parseArgv(line, { env: {}, homeInUse: () => '/tmp' });
  it('reads --instance, --pg-version, --image and --dry-run into one options object', async () => {
    expect(
      await parse(['manage', 'upgrade', '--instance', 'app', '--pg-version', '17', '--image', 'x:17', '--dry-run']),
    ).toMatchObject({
      kind: 'run',
      command: 'manage.upgrade',
      options: { instance: 'app', pgVersion: 17, image: 'x:17', dryRun: true },
    });
  });
  it('needs --pg-version, as a major number', async () => {
    await expect(parse(['manage', 'upgrade'])).rejects.toThrow(/needs --pg-version MAJOR/);
    await expect(parse(['manage', 'upgrade', '--pg-version', '17.2'])).rejects.toThrow(/must be a PostgreSQL major/);
    await expect(parse(['manage', 'upgrade', '--pg-version', '--dry-run'])).rejects.toThrow(/needs a value/);
  });
  it('is a manage verb only, not a top-level one', async () => {
    await expect(parse(['upgrade', '--pg-version', '17'])).rejects.toThrow(/unknown command/);
  });
});

describe('a client pipeline inside a container', () => {
  it('passes values through the environment and writes only plain arguments into the script', () => {
    const { script, env } = pipeScript(
      {
        program: 'pg_dump',
        args: ['--format=custom', '--snapshot=00000003-0000001B-1'],
        env: { PGHOST: '172.17.0.2', PGDATABASE: 'a b;$(x)' },
      },
      { program: 'pg_restore', args: ['--dbname=rp_restore_0123456789'] },
    );
    expect(env).toEqual({ RP_A_PGHOST: '172.17.0.2', RP_A_PGDATABASE: 'a b;$(x)' });
    expect(script).toContain('PGHOST="$RP_A_PGHOST" PGDATABASE="$RP_A_PGDATABASE" pg_dump --format=custom');
    expect(script).toContain('| pg_restore --dbname=rp_restore_0123456789');
    expect(script).not.toContain('a b;');
  });
  it('refuses an argument or variable the script could misread', () => {
    const ok = { program: 'pg_restore' as const, args: [] };
    expect(() => pipeScript({ program: 'pg_dump', args: ['--x=$(rm)'] }, ok)).toThrow(/not a plain argument/);
    expect(() => pipeScript({ program: 'pg_dump', args: [], env: { 'X;Y': '1' } }, ok)).toThrow(/not a libpq variable/);
  });
  it('reads the first program status from the end of stderr', () => {
    expect(fromStatus('pg_dump: error: x\nrp-pipe-from-exit=1\n')).toEqual({
      exitCode: 1,
      stderr: 'pg_dump: error: x\n',
    });
    expect(fromStatus('rp-pipe-from-exit=0\n')).toEqual({ exitCode: 0, stderr: '' });
    expect(fromStatus('killed').exitCode).toBe(-1);
  });
});
