/**
 * Pure argv builders for initdb and pg_ctl. Nothing secret ever goes on argv: the password
 * reaches initdb through --pwfile, and every server setting lives in the configuration files
 * of the instance's server-conf directory, so `ps` shows paths and flags only.
 */

import { shellQuote, shellWord } from '../../core/shell.js';

export interface InitdbInput {
  dataDir: string;
  /** The instance's superuser (instance.user). */
  user: string;
  /** Path of the 0600 file holding the password; the password itself never appears here. */
  pwFile: string;
  /** "C.UTF-8", or undefined for --no-locale (the C locale) where C.UTF-8 is missing. */
  locale?: string;
  /** Major version of the binaries; --no-instructions exists from 14 on. */
  major: string;
}

export function initdbArgs(input: InitdbInput): string[] {
  const args = [
    '--pgdata',
    input.dataDir,
    '--username',
    input.user,
    `--pwfile=${input.pwFile}`,
    '--auth-local=peer',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    input.locale ? `--locale=${input.locale}` : '--no-locale',
  ];
  if (Number(input.major) >= 14) args.push('--no-instructions');
  return args;
}

export type PgCtlMode = 'start' | 'stop' | 'status';

export interface PgCtlInput {
  dataDir: string;
  /** start: the server log pg_ctl redirects the postmaster's output to. */
  logFile?: string;
  /** start/stop: how long -w waits. */
  timeoutSec?: number;
  /** stop: immediate shutdown (no checkpoint; crash recovery on next start) instead of fast. */
  force?: boolean;
  /** start: the postgresql.conf the server reads (outside the data directory, which it can write). */
  configFile?: string;
}

export function pgCtlArgs(mode: PgCtlMode, input: PgCtlInput): string[] {
  const args = [mode, '-D', input.dataDir];
  if (mode === 'status') return args;
  const wait = ['-w', '-t', String(Math.max(1, Math.ceil(input.timeoutSec ?? 60)))];
  if (mode === 'stop') return [...args, '-m', input.force ? 'immediate' : 'fast', ...wait];
  // -l is what lets pg_ctl return at all: the postmaster's stdout/stderr go to the log file
  // instead of holding our pipes open.
  if (!input.logFile) throw new Error('pgCtlArgs(start) needs a logFile');
  // pg_ctl hands -o to the postmaster through sh, hence the quoting.
  const options = input.configFile ? ['-o', `-c ${shellQuote(`config_file=${input.configFile}`)}`] : [];
  return [...args, '-l', input.logFile, ...options, ...wait];
}

/** pg_ctl status exit codes (documented): 0 running, 3 not running, 4 no accessible data directory. */
export function pgCtlStatusState(exitCode: number | undefined): 'running' | 'stopped' | 'absent' | 'unknown' {
  switch (exitCode) {
    case 0:
      return 'running';
    case 3:
      return 'stopped';
    case 4:
      return 'absent';
    default:
      return 'unknown';
  }
}

/** A command line for messages: argv quoted where needed. Safe because argv holds no secret. */
export function showCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map(shellWord).join(' ');
}
