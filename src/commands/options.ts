import type { AppRole, EngineName } from '../core/instance.js';

/** Options every verb understands; produced by cli/args.ts, consumed by main and the commands. */
export interface GlobalOptions {
  home?: string;
  format: 'text' | 'json' | 'env' | 'csv' | 'pgpass' | 'service' | 'pgadmin' | 'pgweb';
  quiet: boolean;
  verbose: boolean;
  color: boolean;
}

export interface InstanceSelector {
  /** An explicit instance, the env default, or `main`. */
  instance: string;
  /** --all: every instance in the home. */
  all: boolean;
}

export interface StatusOptions {
  instance?: string;
  fast: boolean;
  /** Adds the OS user of each server and notes on isolation. */
  verbose?: boolean;
}

export interface LogsOptions {
  instance: string;
  tail: number;
  follow: boolean;
  since?: Date;
}

export interface CredentialsOptions extends InstanceSelector {
  showSecrets: boolean;
  /** The program's own superuser instead of the application's role (app role owner). */
  admin?: boolean;
  /** The connection through the instance's pooler (its port) instead of the server's. */
  pooler?: boolean;
  /** --format pgpass|service|pgadmin|pgweb: configuration for other tools. */
  toolFormat?: 'pgpass' | 'service' | 'pgadmin' | 'pgweb';
  /** Write the tool format's file(s) into this directory (0600) instead of printing. */
  out?: string;
  /** The password file service and pgadmin formats point at (passfile / PassFile). */
  passfile?: string;
}

export interface CreateOptions {
  engine: EngineName | 'auto';
  template?: string;
  port?: number;
  image?: string;
  /** PostgreSQL major of a new instance (validated: 15-18); undefined: the default, or pg_bin's. */
  pgVersion?: string;
  pgBin?: string;
  /** Address to publish on; anything but 127.0.0.1 is an explicit choice and warned about. */
  bind?: string;
  /** The role handed to applications; undefined: the template's choice. */
  appRole?: AppRole;
  /** --extensions: created (and preloaded where needed) in the instance's database; adds to an existing instance's. */
  extensions?: string[];
  /** --tls: a new instance offers TLS; --tls-require (implies --tls): TCP must use it. */
  tls?: boolean;
  tlsRequire?: boolean;
  /** --no-spare: a new instance neither takes a spare nor has the next one built (spares.ts). */
  noSpare?: boolean;
}

export interface TlsOptions {
  instance: string;
  action: 'enable' | 'disable' | 'rotate';
  /** --require / --no-require; undefined keeps what the instance has (enable: on). */
  require?: boolean;
  dryRun: boolean;
}

export interface StartOptions extends InstanceSelector, CreateOptions {
  /** --replica-of P: the new instance is a streaming replica of P (commands/replica/). */
  replicaOf?: string;
  /** --from SRC[@SNAPSHOT]: a new instance holding SRC's roles and data (commands/manage/branch.ts). */
  from?: { instance: string; snapshot?: string };
  wait: boolean;
  timeoutSec?: number;
  force: boolean;
  dryRun: boolean;
}

export interface StopOptions extends InstanceSelector {
  force: boolean;
  timeoutSec: number;
  dryRun: boolean;
}

export interface RestartOptions extends InstanceSelector {
  timeoutSec?: number;
  dryRun: boolean;
}

export interface InstallOptions extends CreateOptions {
  instance: string;
  force: boolean;
  skipValidation: boolean;
  dryRun: boolean;
  timeoutSec?: number;
}

export interface UninstallOptions {
  /** Undefined: every instance. */
  instance?: string;
  force: boolean;
  keepData: boolean;
  dryRun: boolean;
}

export interface PromoteOptions {
  instance: string;
  timeoutSec?: number;
}
