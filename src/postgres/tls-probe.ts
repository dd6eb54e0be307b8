import type { TLSSocket } from 'node:tls';
import type { Instance } from '../core/instance.js';
import { withClient } from './client.js';

/**
 * The serial number of the certificate the server presents right now, over a verify-full
 * connection as the program makes it. After a reload, the server answers new connections with
 * its new certificate only once the postmaster has processed SIGHUP: `manage tls rotate` waits
 * for this to change, so it returns only when clients really get the new certificate.
 */
export async function presentedSerial(instance: Instance, timeoutMs = 5_000): Promise<string | undefined> {
  return withClient(instance, { timeoutMs, database: 'postgres' }, async (client) => {
    const stream = (client as unknown as { connection?: { stream?: Partial<TLSSocket> } }).connection?.stream;
    const cert = stream?.getPeerCertificate?.();
    await client.query('SELECT 1');
    return cert?.serialNumber ? cert.serialNumber.toUpperCase() : undefined;
  });
}
