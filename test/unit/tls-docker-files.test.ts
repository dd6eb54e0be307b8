import { describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { containerSpec } from '../../src/engines/docker/container-spec.js';
import { commandHasTls, containerHba, TLS_FILES, tlsSettings } from '../../src/engines/docker/tls-files.js';

const inst = (over: Partial<Instance> = {}): Instance => ({
  name: 'main',
  engine: 'docker',
  image: 'postgres:16-alpine',
  port: 5433,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('pw'),
  database: 'vrooli',
  template: 'development',
  created: '',
  desiredState: 'running',
  extra: {},
  ...over,
});

describe('docker TLS files and settings', () => {
  it('a TLS instance runs with ssl on, its files at / and our pg_hba.conf; a plain one has none of it', () => {
    const cmd = containerSpec(inst({ tls: 'on', tlsCa: '/h/tls/ca.crt' }), '/h').Cmd!;
    for (const [k, v] of Object.entries(tlsSettings({ tls: 'on' }))) expect(cmd).toContain(`${k}=${v}`);
    expect(cmd).toContain(`ssl_key_file=${TLS_FILES.key}`);
    expect(cmd).toContain(`hba_file=${TLS_FILES.hba}`);
    expect(commandHasTls(cmd)).toBe(true);
    const plain = containerSpec(inst(), '/h').Cmd!;
    expect(plain.join(' ')).not.toMatch(/ssl|hba_file/);
    expect(commandHasTls(plain)).toBe(false);
    // Secrets and key material never in the spec.
    expect(JSON.stringify(containerSpec(inst({ tls: 'required', tlsCa: '/h/tls/ca.crt' }), '/h'))).not.toMatch(
      /PRIVATE KEY|pw/,
    );
  });

  it('pg_hba.conf: local trust for the entrypoint and exec clients, TCP scram, hostssl only when required', () => {
    expect(containerHba(false)).toMatch(/^local all all trust$/m);
    expect(containerHba(false)).toMatch(/^host all all all scram-sha-256$/m);
    expect(containerHba(true)).toMatch(/^hostssl all all all scram-sha-256$/m);
    expect(containerHba(true)).not.toMatch(/^host /m);
  });
});
