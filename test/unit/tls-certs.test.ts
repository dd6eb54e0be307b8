import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CA_DAYS,
  createCa,
  describeCert,
  issueServerCert,
  SERVER_DAYS,
  serverNames,
} from '../../src/core/tls/certs.js';

describe('TLS certificates', () => {
  it('a CA signs a server certificate with SANs for loopback and the bound address, serverAuth only', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const ca = await createCa('/srv/home', now);
    const server = await issueServerCert(ca, 'app', serverNames('10.1.2.3'), now);
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(server.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    for (const ip of ['127.0.0.1', '::1', '10.1.2.3']) expect(cert.checkIP(ip)).toBe(ip);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('example.com')).toBeUndefined();
    expect(cert.checkIP('10.1.2.4')).toBeUndefined();
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // EKU serverAuth
    expect(cert.subject).toBe('CN=app');
    const day = 24 * 3600 * 1000;
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBeCloseTo(SERVER_DAYS * day, -5);
    expect(new Date(caCert.validTo).getTime() - now.getTime()).toBeCloseTo(CA_DAYS * day, -5);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(server.serial).toBe(cert.serialNumber.toUpperCase());
    expect(server.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect((await describeCert(server.certPem)).names).toEqual(['localhost', '127.0.0.1', '::1', '10.1.2.3']);
  });

  it('every certificate gets a new serial; a wildcard bind adds no name', async () => {
    const ca = await createCa('h');
    const a = await issueServerCert(ca, 'x', serverNames('0.0.0.0'));
    const b = await issueServerCert(ca, 'x', serverNames('127.0.0.1'));
    expect(a.serial).not.toBe(b.serial);
    expect(a.serial).toMatch(/^[0-9A-F]{32}$/);
    expect(serverNames('0.0.0.0')).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(serverNames('::')).toEqual(['localhost', '127.0.0.1', '::1']);
  });
});
