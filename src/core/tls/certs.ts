import { webcrypto, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';

/**
 * Certificates made in-process with @peculiar/x509 over Node's webcrypto: no openssl binary
 * needed on the machine (docker-only hosts, the single executable), no key ever passed to
 * another program's argv or environment, and the same code on every engine. ECDSA P-256:
 * fast to make (milliseconds) and accepted by every libpq and OpenSSL in use.
 */
let loaded: Promise<typeof X509> | undefined;

/**
 * The library loads on first use: its ASN.1 schemas cost ~30 ms of start-up, which status,
 * start and every command that merely imports this module would otherwise pay.
 * reflect-metadata first: the schemas are registered through decorators that need it loaded
 * before the library's own modules run (also inside the single executable).
 */
function lib(): Promise<typeof X509> {
  loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return loaded;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;
/** The CA outlives many rotations; a server certificate lives about a year (rotate renews it). */
export const CA_DAYS = 3650;
export const SERVER_DAYS = 397;

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface IssuedCert extends KeyPairPem {
  /** Hex serial number, as `openssl x509 -serial` prints it (upper case). */
  serial: string;
  notAfter: Date;
}

/** A positive 128-bit serial: random, so a rotated certificate never repeats one. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  bytes[0] = bytes[0] | 0x01; // no leading zero byte: the hex stays the full 32 digits
  return bytes.toString('hex');
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

const generateKeys = () => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

/** A new CA for one home: CA:TRUE, pathlen 0, keyCertSign + cRLSign. */
export async function createCa(label: string, now = new Date()): Promise<KeyPairPem> {
  const x509 = await lib();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name: `CN=resource-postgres CA (${label.replace(/[,=+<>#;"\\]/g, '_')})`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey) };
}

/** The names a server certificate carries: loopback always, plus any bound address. */
export function serverNames(bind: string | undefined): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  if (bind && bind !== '0.0.0.0' && bind !== '::' && !names.includes(bind)) names.push(bind);
  return names;
}

/** A server certificate for one instance, signed by the home's CA: serverAuth, SANs for every name. */
export async function issueServerCert(
  ca: KeyPairPem,
  instance: string,
  names: string[],
  now = new Date(),
): Promise<IssuedCert> {
  const x509 = await lib();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = await generateKeys();
  const serial = newSerial();
  const notAfter = new Date(now.getTime() + SERVER_DAYS * DAY_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${instance.replace(/[,=+<>#;"\\]/g, '_')}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return {
    certPem: cert.toString('pem') + '\n',
    keyPem: await keyPem(keys.privateKey),
    serial: serial.toUpperCase(),
    notAfter,
  };
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']) as Promise<CryptoKey>;
}

/** What a certificate says about itself (status, tests): serial, validity, names. */
export async function describeCert(
  pem: string,
): Promise<{ serial: string; notAfter: Date; names: string[]; subject: string }> {
  const x509 = await lib();
  const cert = new x509.X509Certificate(pem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    serial: cert.serialNumber.toUpperCase(),
    notAfter: cert.notAfter,
    names: san ? san.names.items.map((n) => n.value) : [],
    subject: cert.subject,
  };
}
