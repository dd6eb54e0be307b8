import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import type { ClientToolsCheck, Engine } from '../../src/engines/engine.js';
import { requireTools } from '../../src/commands/backup/clients.js';
import { chooseMethod } from '../../src/commands/backup/create.js';
import { fakeWorld, type FakeWorld } from '../support/fake-context.js';
import { makeInstance } from '../support/native-instance.js';

/**
 * What backups do with the native engine's client search result (client-tools.ts): a logical
 * backup by default when suitable client programs are found; else physical, saying why; and an
 * explicit logical request fails with the search's reason, its install hint and the physical way.
 */
const missing: ClientToolsCheck = {
  ok: false,
  reason: 'no pg_dump 16 or newer was found on this machine (/usr/bin/pg_dump is 15.8)',
  hint: 'install PostgreSQL 16+ client programs: apt-get install postgresql-client-16',
};
const found: ClientToolsCheck = { ok: true, version: '17.2', major: 17, where: '/usr/lib/postgresql/17/bin' };
const engineWith = (check: ClientToolsCheck) =>
  ({
    name: 'native',
    clientTools: async () => check,
    runClient: async () => ({ exitCode: 0, stderr: '' }),
  }) as unknown as Engine;
const facts = { major: 16 } as Parameters<typeof chooseMethod>[3];

let world: FakeWorld;
let instance: Instance;
beforeEach(async () => {
  world = await fakeWorld();
  instance = makeInstance('bk', 5999, { version: '16' });
});
afterEach(async () => world.cleanup());

describe('native backups and the client programs found', () => {
  it('default: logical when suitable client programs are found', async () => {
    expect(await chooseMethod(world.ctx, engineWith(found), instance, facts)).toBe('logical');
    expect(world.talk).toEqual([]);
  });

  it('default without them: physical, and the user is told why', async () => {
    expect(await chooseMethod(world.ctx, engineWith(missing), instance, facts)).toBe('physical');
    expect(world.talk.join('\n')).toContain(`no suitable pg_dump for PostgreSQL 16 here (${missing.reason})`);
  });

  it('an explicit method is kept whatever was found', async () => {
    expect(await chooseMethod(world.ctx, engineWith(missing), instance, facts, 'logical')).toBe('logical');
  });

  it('logical without them: the reason, what to install, and the physical way', async () => {
    await expect(requireTools(engineWith(missing), instance, 16, 'a logical backup')).rejects.toMatchObject({
      message: `a logical backup needs pg_dump/pg_restore 16 or newer: ${missing.reason}`,
      hint: expect.stringMatching(/postgresql-client-16; or take a physical backup with --method physical$/),
    });
    expect(await requireTools(engineWith(found), instance, 16, 'a logical backup')).toEqual({
      label: '17.2 (/usr/lib/postgresql/17/bin)',
      major: 17,
    });
  });
});
