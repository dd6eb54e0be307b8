import { describe, expect, it } from 'vitest';
import { parse as parseIni } from 'ini';
import { parseInstanceConf, serializeInstanceConf } from '../../src/core/instance-conf.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';

const base: Instance = {
  name: 'main',
  engine: 'docker',
  image: 'postgres:16-alpine',
  port: 5433,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('s3cret-Pass_word'),
  database: 'vrooli',
  template: 'development',
  created: '2026-01-02T03:04:05.000Z',
  desiredState: 'running',
  extra: {},
};

describe('instance.conf', () => {
  it('round-trips every field', () => {
    const text = serializeInstanceConf(base);
    const back = parseInstanceConf(text, '/h/main/config/instance.conf');
    expect({ ...back, password: back.password.reveal() }).toEqual({
      ...base,
      password: 's3cret-Pass_word',
      version: undefined,
      dataDir: undefined,
      pgBin: undefined,
    });
  });

  it('writes key="value" lines that ini parses to the same values', () => {
    const text = serializeInstanceConf(base);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+="[^"]*"$/);
    expect(parseIni(text)).toMatchObject({ name: 'main', port: '5433', password: 's3cret-Pass_word' });
  });

  it('keeps unknown keys on rewrite', () => {
    const text = serializeInstanceConf(base) + 'owner_team="payments"\n';
    const back = parseInstanceConf(text, 'x');
    expect(back.extra).toEqual({ owner_team: 'payments' });
    expect(serializeInstanceConf(back)).toContain('owner_team="payments"');
  });

  it('reports a damaged line with path and line number', () => {
    const text = serializeInstanceConf(base).replace('port="5433"', 'port="5433');
    expect(() => parseInstanceConf(text, '/h/main/config/instance.conf')).toThrow(
      /\/h\/main\/config\/instance\.conf:5/,
    );
  });

  it.each([
    ['a missing password', (t: string) => t.replace(/^password=.*$/m, ''), /missing password/],
    ['a non-numeric port', (t: string) => t.replace('port="5433"', 'port="abc"'), /port must be a number/],
    [
      'an unknown engine',
      (t: string) => t.replace('engine="docker"', 'engine="podman"'),
      /engine must be docker or native/,
    ],
    ['a truncated file', (t: string) => t.slice(0, 60), /missing|cannot read/],
    [
      'a bad desired_state',
      (t: string) => t.replace('desired_state="running"', 'desired_state="maybe"'),
      /desired_state/,
    ],
  ])('rejects %s', (_what, damage, message) => {
    expect(() => parseInstanceConf(damage(serializeInstanceConf(base)), 'p')).toThrow(message);
  });

  it('refuses to write values sh would interpret', () => {
    expect(() => serializeInstanceConf({ ...base, extra: { note: 'a"b' } })).toThrow(/quote/);
    expect(() => serializeInstanceConf({ ...base, extra: { note: '$(rm -rf /)' } })).toThrow(/\$/);
  });
});
