import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import {
  parseSpare,
  pickSpare,
  serializeSpare,
  spareAge,
  spareKey,
  type SpareKeyParts,
  type SpareRecord,
  sparesEnvOff,
} from '../../src/core/spares.js';

const parts: SpareKeyParts = {
  engine: 'native',
  major: '16',
  superuser: 'vrooli',
  database: 'vrooli',
  template: 'development',
  templateDigest: 'aaaa',
  identity: { dir: '/opt/pg/bin', version: '16.14', postgres: '1:2:3' },
};

const record = (over: Partial<SpareRecord>): SpareRecord => ({
  id: '0123456789ab',
  engine: 'native',
  major: '16',
  ...spareKey(parts),
  created: '2026-12-01T08:00:00.000Z',
  location: '/home/x/.spare-data/0123456789ab/data',
  password: new Secret('p'.repeat(32)),
  ...over,
});

describe('spare keys', () => {
  it('are equal for equal parts, whatever the order of the identity', () => {
    const reordered = { ...parts, identity: { postgres: '1:2:3', version: '16.14', dir: '/opt/pg/bin' } };
    expect(spareKey(reordered)).toEqual(spareKey(parts));
  });

  it('change with the binaries, the template contents or initdb inputs, but the slot only with what a create asks for', () => {
    const base = spareKey(parts);
    const otherBinaries = spareKey({ ...parts, identity: { ...parts.identity, version: '16.15' } });
    const editedTemplate = spareKey({ ...parts, templateDigest: 'bbbb' });
    const otherTemplate = spareKey({ ...parts, template: 'testing' });
    const otherSuperuser = spareKey({ ...parts, superuser: 'postgres' });
    for (const k of [otherBinaries, editedTemplate, otherTemplate, otherSuperuser]) expect(k.key).not.toBe(base.key);
    expect(otherBinaries.slot).toBe(base.slot);
    expect(editedTemplate.slot).toBe(base.slot);
    expect(otherTemplate.slot).not.toBe(base.slot);
    expect(otherSuperuser.slot).not.toBe(base.slot);
  });
});

describe('pickSpare', () => {
  const want = { engine: 'native' as const, ...spareKey(parts) };

  it('takes the oldest spare of the exact key', () => {
    const newer = record({ id: 'bbbbbbbbbbbb', created: '2026-12-01T09:00:00.000Z' });
    const older = record({ id: 'aaaaaaaaaaaa', created: '2026-12-01T07:00:00.000Z' });
    expect(pickSpare([newer, older], want).use?.id).toBe('aaaaaaaaaaaa');
  });

  it('never uses a stale spare (same slot, other binaries) and names it for discarding', () => {
    const stale = record({ ...spareKey({ ...parts, identity: { ...parts.identity, version: '16.13' } }) });
    const picked = pickSpare([stale], want);
    expect(picked.use).toBeUndefined();
    expect(picked.stale.map((r) => r.id)).toEqual([stale.id]);
  });

  it('leaves spares of other slots and engines alone', () => {
    const otherTemplate = record({ id: 'cccccccccccc', ...spareKey({ ...parts, template: 'testing' }) });
    const docker = record({ id: 'dddddddddddd', engine: 'docker' });
    expect(pickSpare([otherTemplate, docker], want)).toEqual({ use: undefined, stale: [] });
  });
});

describe('spare records', () => {
  it('round-trip, keeping the password a Secret', () => {
    const r = record({});
    const back = parseSpare(serializeSpare(r), r.id);
    expect(back.password.reveal()).toBe('p'.repeat(32));
    expect({ ...back, password: undefined }).toEqual({ ...r, password: undefined });
  });

  it('are refused when a field is wrong (the program acts on them as root)', () => {
    const text = (over: Record<string, unknown>) =>
      JSON.stringify({ ...JSON.parse(serializeSpare(record({}))), ...over });
    expect(() => parseSpare(text({}), 'ffffffffffff')).toThrow(/id does not match/);
    expect(() => parseSpare(text({ engine: 'podman' }), '0123456789ab')).toThrow(/engine/);
    expect(() => parseSpare(text({ key: 'x' }), '0123456789ab')).toThrow(/key/);
    expect(() => parseSpare(text({ password: 'short' }), '0123456789ab')).toThrow(/password/);
    expect(() => parseSpare(text({ location: 'a\nb' }), '0123456789ab')).toThrow(/location/);
    expect(() => parseSpare('{', '0123456789ab')).toThrow(/not JSON/);
  });
});

describe('the off switch and ages', () => {
  it('reads RESOURCE_POSTGRES_SPARES strictly', () => {
    expect(sparesEnvOff({})).toBe(false);
    expect(sparesEnvOff({ RESOURCE_POSTGRES_SPARES: 'on' })).toBe(false);
    expect(sparesEnvOff({ RESOURCE_POSTGRES_SPARES: 'off' })).toBe(true);
    expect(() => sparesEnvOff({ RESOURCE_POSTGRES_SPARES: 'of' })).toThrow(/not on or off/);
  });

  it('says ages in a readable unit', () => {
    const now = new Date('2026-12-01T10:00:00.000Z');
    expect(spareAge('2026-12-01T09:59:18.000Z', now)).toBe('42 s');
    expect(spareAge('2026-12-01T09:30:00.000Z', now)).toBe('30 min');
    expect(spareAge('2026-12-01T05:00:00.000Z', now)).toBe('5 h');
    expect(spareAge('2026-11-20T10:00:00.000Z', now)).toBe('11 d');
  });
});
