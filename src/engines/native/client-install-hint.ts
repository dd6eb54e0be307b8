/**
 * What to install when no suitable client programs were found: the exact package for this
 * machine kind, where the search (client-tools.ts) will then find it without any flag.
 * The provisioning script is the offline way for Debian 12 machines that reach only Debian's
 * own repositories; it installs PostgreSQL 17 clients, which suit servers up to 17.
 */
export const PROVISION_SCRIPT = 'test/clients/install-pg-clients.sh';
const SCRIPT_MAJOR = 17;

export function installHint(serverMajor: number, platform: NodeJS.Platform = process.platform): string {
  const n = Math.ceil(serverMajor);
  const ways: string[] = [];
  if (platform === 'darwin') ways.push(`brew install postgresql@${n}`);
  else {
    ways.push(
      `Debian/Ubuntu: apt-get install postgresql-client-${n} from apt.postgresql.org (https://wiki.postgresql.org/wiki/Apt)`,
    );
    if (n <= SCRIPT_MAJOR && platform === 'linux')
      ways.push(`offline on Debian 12: sudo bash ${PROVISION_SCRIPT} in a resource-postgres checkout`);
    ways.push(`Homebrew: brew install postgresql@${n}`);
  }
  ways.push(`or name a bin directory holding pg_dump ${n}+ with --pg-bin or RESOURCE_POSTGRES_PG_BIN`);
  ways.push(`or, with Docker running, keep a local postgres:${n} (or newer) image`);
  return `install PostgreSQL ${n}+ client programs: ${ways.join('; ')}`;
}
