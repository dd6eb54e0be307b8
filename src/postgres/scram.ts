import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * A SCRAM-SHA-256 verifier, as PostgreSQL stores it in pg_authid.rolpassword (RFC 5802/7677;
 * the same thing psql's \password sends). Giving the server the verifier instead of the
 * password keeps the password out of the server log, pg_stat_statements and pg_stat_activity,
 * whatever logging a template or an application turned on. Our passwords are ASCII, so
 * SASLprep leaves them unchanged.
 */
const ITERATIONS = 4096;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
