import { asAdmin, type Instance } from '../core/instance.js';
import { withClient } from './client.js';
import { quoteIdent } from './identifiers.js';
import { scramVerifier } from './scram.js';

/**
 * Sets the passwords `wanted` records on its roles (the program's superuser and, in app role
 * owner mode, the application's role), connected as `current` says the server knows them now:
 * data brought back from a snapshot carries the roles' passwords of then. Only SCRAM
 * verifiers travel to the server, never the passwords themselves.
 */
export async function setRolePasswords(current: Instance, wanted: Instance): Promise<void> {
  const roles = [asAdmin(wanted)];
  if (wanted.admin) roles.push(wanted);
  await withClient(current, { database: 'postgres', timeoutMs: 15_000 }, async (c) => {
    for (const r of roles) {
      const verifier = scramVerifier(r.password.reveal()).replace(/'/g, "''");
      await c.query(`ALTER ROLE ${quoteIdent(r.user)} PASSWORD '${verifier}'`);
    }
  });
}
