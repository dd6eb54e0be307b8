import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import { daemonAddress, isPortConflict, statusOf, toEngineError } from '../../src/engines/docker/docker-errors.js';
import { pullReporter } from '../../src/engines/docker/image-pull.js';

/** The shape docker-modem rejects with: message, statusCode, json from the daemon. */
function apiError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${message}`), {
    statusCode,
    json: { message },
  });
}

afterEach(() => vi.unstubAllEnvs());

describe('docker errors', () => {
  it('maps port conflicts from both daemon wordings, only on 500', () => {
    expect(
      isPortConflict(
        apiError(
          500,
          'driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:5433 failed: port is already allocated',
        ),
      ),
    ).toBe(true);
    expect(
      isPortConflict(
        apiError(500, 'Error starting userland proxy: listen tcp4 127.0.0.1:5433: bind: address already in use'),
      ),
    ).toBe(true);
    expect(isPortConflict(apiError(500, 'OCI runtime create failed'))).toBe(false);
    expect(isPortConflict(apiError(409, 'port is already allocated'))).toBe(false);
  });

  it('reads statusCode, not message text', () => {
    expect(statusOf(apiError(304, 'container already started'))).toBe(304);
    expect(statusOf(new Error('boom'))).toBeUndefined();
  });

  it('turns socket errors into a "no Docker daemon" engine error with a hint', () => {
    const e = toEngineError(
      Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }),
      'list containers',
      'unix:///var/run/docker.sock',
    );
    expect(e).toBeInstanceOf(CliError);
    expect(e.kind).toBe('engine');
    expect(e.message).toMatch(/^no Docker daemon answers at unix:\/\/\/var\/run\/docker.sock/);
    expect(e.hint).toMatch(/--engine native/);
  });

  it('names what failed with the daemon message otherwise', () => {
    const e = toEngineError(
      apiError(500, 'OCI runtime create failed'),
      'start container x',
      'unix:///var/run/docker.sock',
    );
    expect(e.message).toBe('docker could not start container x: OCI runtime create failed (HTTP 500)');
  });

  it('names the daemon address from DOCKER_HOST or the socket', () => {
    vi.stubEnv('DOCKER_HOST', '');
    expect(daemonAddress({ socketPath: '/run/docker.sock' })).toBe('unix:///run/docker.sock');
    expect(daemonAddress({ socketPath: () => {} })).toBe('unix:///var/run/docker.sock');
    expect(daemonAddress({ host: '10.0.0.5', port: '2375', protocol: 'http' })).toBe('http://10.0.0.5:2375');
    vi.stubEnv('DOCKER_HOST', 'tcp://docker:2375');
    expect(daemonAddress({})).toBe('tcp://docker:2375');
  });
});

describe('pullReporter', () => {
  it('summarises layers and throttles messages', () => {
    const said: string[] = [];
    let t = 0;
    const report = pullReporter(
      'postgres:16-alpine',
      (m) => said.push(m),
      1_000,
      () => t,
    );
    report({ status: 'Pulling fs layer', id: 'a' });
    report({ status: 'Downloading', id: 'a', progressDetail: { current: 1024 * 1024, total: 4 * 1024 * 1024 } });
    t = 1_500;
    report({ status: 'Download complete', id: 'b', progressDetail: {} });
    report({ status: 'Downloading', id: 'a', progressDetail: { current: 2 * 1024 * 1024, total: 4 * 1024 * 1024 } });
    expect(said).toEqual(['pulling postgres:16-alpine: 0/1 layers', 'pulling postgres:16-alpine: 1/2 layers, 1/4 MB']);
  });
});
