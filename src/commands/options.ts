import type { AppRole, EngineName } from '../core/instance.js';

/** Options every verb understands; produced by cli/args.ts, consumed by main and the commands. */
export interface GlobalOptions {
  home?: string;
  format: 'text' | 'json' | 'env' | 'csv';
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
}

export interface StartOptions extends InstanceSelector, CreateOptions {
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
