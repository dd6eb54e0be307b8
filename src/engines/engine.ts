import { CliError } from '../core/errors.js';
import type { EngineName, Instance } from '../core/instance.js';
import type { PortHolder } from '../core/ports.js';
import type { ReplicaLink } from '../core/replica.js';
import type { Secret } from '../core/secret.js';

/**
 * What an engine sees of one instance, before any health probe:
 * - absent: no container / no initialised data directory;
 * - stopped: it exists and its server is not running (`detail` says how it ended, if known);
 * - running: the container runs / the postmaster process is alive.
 */
export interface EngineState {
  state: 'absent' | 'stopped' | 'running';
  detail?: string;
  /** Does data exist (volume / initialised data directory)? Meaningful when state is absent. */
  dataExists?: boolean;
  /** native: postmaster pid; docker: container id. */
  pid?: number;
  containerId?: string;
  /** The host port the server is reachable on, when the engine can tell. */
  port?: number;
}

export interface LogOptions {
  /** Last N lines (default 50); 0 for all. */
  tail?: number;
  since?: Date;
  follow?: boolean;
  /** Ends a follow. */
  signal?: AbortSignal;
}

export interface StopOptions {
  /** Immediate shutdown / kill instead of a clean fast shutdown. */
  force?: boolean;
  timeoutSec: number;
}

/**
 * Progress talk for long work (pull, initdb); goes to stderr on a TTY, nowhere otherwise.
 * `always`: a step worth one plain line without a TTY too (a runtime download the user waits for).
 */
export type Progress = (message: string, always?: boolean) => void;

export interface Engine {
  readonly name: EngineName;
  /** Is this engine usable on this machine right now? Cheap; never changes anything. */
  check(): Promise<{ ok: true } | { ok: false; reason: string; hint: string }>;
  /** Makes what `create` needs present (pulls the image, checks binaries); idempotent. */
  prepare(instance: Instance, progress: Progress): Promise<void>;
  /**
   * Creates the server for a recorded instance and starts it (container + volume, or
   * initdb + start). Reuses existing data (a volume or data directory that survived). Throws
   * PortTakenError when the port turns out to be held, so the caller can pick another.
   * Does not wait for readiness beyond what the engine needs; the caller probes.
   */
  create(instance: Instance, progress: Progress): Promise<void>;
  /** Starts an existing, stopped server. No-op when it runs. timeoutSec bounds the engine's own wait. */
  start(instance: Instance, opts?: { timeoutSec?: number }): Promise<void>;
  /** Stops the server, never touching data. No-op when it is not running. */
  stop(instance: Instance, opts: StopOptions): Promise<void>;
  inspect(instance: Instance): Promise<EngineState>;
  /** Removes the server (container / process) and, unless keepData, its data. */
  remove(instance: Instance, opts: { keepData: boolean }): Promise<void>;
  /** Server log lines, oldest first; with follow, keeps yielding until opts.signal aborts. */
  logs(instance: Instance, opts: LogOptions): AsyncIterable<string>;
  /** Ports held by this engine outside any instance.conf (docker: every container's published ports). */
  heldPorts(): Promise<Map<number, PortHolder>>;
  /**
   * Optional batch inspect(): the states of many instances in one round of engine calls, so
   * status over 40 instances does not cost 40 daemon round trips. Same answers as inspect();
   * an instance missing from the map is inspected on its own.
   */
  inspectMany?(instances: Instance[]): Promise<Map<string, EngineState>>;
  /**
   * Optional: the extensions this instance's server would offer, found without it running
   * (native: the control files and modules of its binaries; docker: the image's). Undefined
   * when the engine cannot tell before the server answers (then pg_available_extensions does).
   */
  offeredExtensions?(instance: Instance): Promise<OfferedExtensions | undefined>;
}

/** Extensions (control files) and modules (libraries) an installation ships, and where they were found. */
export interface OfferedExtensions {
  extensions: string[];
  libraries: string[];
  where: string;
}

// Additive, optional capabilities (backups, self-tests, upgrades): see EngineBackupCapabilities and EngineUpgradeCapabilities.
export interface Engine
  extends EngineBackupCapabilities, EngineUpgradeCapabilities, EngineReplicaCapabilities, EngineSpareCapabilities {}

/** pg_backup_start and pg_backup_stop on a primary, around an engine's own copy of its data. */
export interface BackupBracket {
  start(): Promise<void>;
  stop(): Promise<{ labelFile: string; spcmapFile: string }>;
}

/** Streaming replicas (`manage start --replica-of`); the caller makes the role and slot on the primary. */
export interface EngineReplicaCapabilities {
  /** Makes the primary's server accept replication connections from its replicas (a reload at most). */
  allowReplication?(primary: Instance): Promise<void>;
  /**
   * Builds a new replica's data from the running primary (the engine may use `bracket` around
   * a copy of its own, or a base backup over the replication protocol), then starts it as a
   * hot standby streaming through link.slot. The replica's data must not exist yet: the engine
   * refuses existing data before it makes anything, and calls `made` once it has made something
   * of the replica's (data directory, volume) that a failed create must take back.
   */
  createReplica?(
    replica: Instance,
    link: ReplicaLink,
    bracket: BackupBracket,
    progress: Progress,
    made: () => void,
  ): Promise<void>;
  /** After a promotion: the standby settings and the replication password leave the server's files. */
  forgetPrimary?(replica: Instance): Promise<void>;
}

/** The engine could not bind the instance's port: pick another and retry. */
export class PortTakenError extends CliError {
  constructor(
    readonly port: number,
    detail: string,
  ) {
    super('conflict', `port ${port} is already in use: ${detail}`, {
      hint: 'choose another with --port, or free the port',
    });
  }
}

/** How an engine is obtained: engines load their heavy modules lazily. */
export type EngineFactory = (name: EngineName) => Promise<Engine>;

/* ---- Optional capabilities for backups and self-tests (engines without them say so via the caller). ---- */

/** PostgreSQL client programs run against an instance. */
export type ClientProgram = 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'psql';

export interface ClientIo {
  /** Fed to the program's standard input, then closed. */
  stdin?: NodeJS.ReadableStream;
  /** Receives standard output with backpressure (never ended: the caller closes it); without it, stdout is collected into the result. */
  stdout?: NodeJS.WritableStream;
  /** Extra environment (never secrets: the engine adds the password itself). */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ClientResult {
  exitCode: number;
  /** Last part of standard error (bounded). */
  stderr: string;
  /** Standard output when io.stdout was not given. */
  stdout?: string;
}

export type ClientToolsCheck =
  { ok: true; version: string; major: number; where: string } | { ok: false; reason: string; hint: string };

/**
 * Client programs of a local container image, run on the host network against a server on
 * this machine: the native engine's last resort when the host has no suitable pg_dump. The
 * docker engine implements it; the context hands it to the native engine (engines do not
 * import each other).
 */
export interface ImageClientRunner {
  /** The local image whose pg_dump suits `serverMajor` (`preferred` first), or why none does. */
  find(serverMajor: number, preferred: string[]): Promise<ClientToolsCheck & { image?: string }>;
  /** Runs `program` from `image`; `files` (a password file) are mounted read-only at the same path. */
  run(
    image: string,
    program: ClientProgram,
    args: string[],
    io: ClientIo & { env: Record<string, string>; files: string[] },
  ): Promise<ClientResult>;
}

/** A tar stream of part of the data directory, taken between pg_backup_start and pg_backup_stop. */
export type DataArchiveRequest =
  /** Everything a base backup needs: no pg_wal contents, no postmaster.pid, no temporary files. */
  | { kind: 'base' }
  /** WAL segments whose names sort within [from, to] on one timeline, as pg_wal/<name>. */
  | { kind: 'wal'; from: string; to: string };

/**
 * Where an archive goes: a stream, or an open file's descriptor that the archiving process
 * writes itself (native tar: the bytes then never pass through node).
 */
export type ArchiveOutput = NodeJS.WritableStream | { fd: number };

export const isDescriptor = (out: ArchiveOutput): out is { fd: number } => !('write' in out);

/** The files of a physical backup, as the engine needs them to rebuild a data directory. */
export interface PhysicalBackupFiles {
  baseTar: string;
  walTar: string;
  backupLabel: string;
  tablespaceMap?: string;
}

/** A replaced data directory: keep() drops the previous one, undo() puts it back (server stopped). */
export interface DataReplacement {
  keep(): Promise<void>;
  undo(): Promise<void>;
}

/** What running client programs for an instance takes: an engine, or a stand-in that runs another's (manage upgrade). */
export type ClientRunner = Pick<Engine, 'name' | 'clientTools' | 'runClient'>;

/** Optional Engine methods backups and self-tests use; merged into Engine below. */
export interface EngineBackupCapabilities {
  /** Which client programs this engine can run for the instance, and whether they suit a server of `serverMajor`. */
  clientTools?(instance: Instance, serverMajor: number): Promise<ClientToolsCheck>;
  /** Runs a client program connected to the instance's server as its superuser (docker: inside the container). */
  runClient?(instance: Instance, program: ClientProgram, args: string[], io: ClientIo): Promise<ClientResult>;
  /** Writes a tar of the running instance's data directory (or some WAL) to `out`. */
  archiveData?(instance: Instance, request: DataArchiveRequest, out: ArchiveOutput): Promise<void>;
  /** Replaces the stopped instance's data directory with a physical backup. */
  replaceData?(instance: Instance, files: PhysicalBackupFiles, progress: Progress): Promise<DataReplacement>;
  /** The replacement a killed restore left half-done (the previous data still set aside), if any. */
  findReplacement?(instance: Instance): Promise<DataReplacement | undefined>;
  /**
   * Puts the instance's TLS state (instance.tls, its certificate and key from the home) where
   * its server reads it and makes a running server use it: a reload where the server allows
   * (certificate, key, ssl, pg_hba), a restart where the engine cannot change settings live.
   */
  applyTls?(instance: Instance): Promise<'reloaded' | 'restarted' | 'written'>;
}

/** One end of a client pipeline (pipeClients). */
export interface ClientPipeEnd {
  program: ClientProgram;
  args: string[];
  env?: Record<string, string>;
}

/** What `manage upgrade` needs of an engine to build a new major's server beside an instance's own. */
export interface EngineUpgradeCapabilities {
  /**
   * The server of `major` an upgrade builds beside `instance`: same credentials and settings,
   * its own data (a volume or data directory that does not exist yet) on `port`. Pure.
   */
  upgradeTarget?(instance: Instance, major: number, opts: { port: number; image?: string }): Instance;
  /**
   * The instance as it is recorded once the upgrade succeeded: `instance`'s name, port and
   * credentials, with the data and server of `target`. Pure.
   */
  upgradedInstance?(instance: Instance, target: Instance): Instance;
  /** Does data of `target` exist already (a leftover the upgrade must not reuse)? */
  upgradeTargetExists?(target: Instance): Promise<boolean>;
  /** Removes an upgrade target's server and data: only what upgradeTarget named, never the instance's own. */
  discardUpgradeTarget?(target: Instance): Promise<void>;
  /** libpq environment with which client programs run for `from` (runClient) reach `instance`'s server. */
  peerEnv?(instance: Instance, from: Instance): Promise<Record<string, string>>;
  /**
   * Optional: `from | to`, two client programs run for `instance` with the data passing
   * between them directly (docker: one pipeline inside its container), instead of through
   * this process. Each end's env adds libpq variables (PGHOST, PGDATABASE, ...).
   */
  pipeClients?(
    instance: Instance,
    from: ClientPipeEnd,
    to: ClientPipeEnd,
    signal?: AbortSignal,
  ): Promise<{ from: ClientResult; to: ClientResult }>;
  /** What would run the new major (binaries or image) and whether it is there, for --dry-run; changes nothing. */
  describeUpgradeTarget?(target: Instance): Promise<{ server: string; ready: boolean }>;
}

/** What instant instances (spares, commands/manage/spares.ts) need of an engine. */
export interface EngineSpareCapabilities {
  /**
   * What identifies the server software a new instance of `draft` would run (native: the
   * binaries' directory, version and files; docker: the image id), and its major. Never changes anything.
   */
  spareIdentity?(draft: Instance): Promise<{ major: string; identity: Record<string, string> }>;
  /**
   * Builds a spare for `draft`: an initialised cluster (native) or volume (docker) whose
   * superuser `asAdmin(draft)` has `password`. Returns where it is (a data directory / volume);
   * leaves nothing behind when it fails.
   */
  buildSpare?(draft: Instance, id: string, password: Secret, progress: Progress): Promise<string>;
  /**
   * Makes the recorded, not yet created instance use the spare at `location` (native: its
   * data directory moves into the instance's place; docker: the instance's data_volume). The
   * engine's create() that follows then starts it without initdb.
   */
  placeSpare?(instance: Instance, location: string): Promise<void>;
  /** Removes a spare's data; absent is success. */
  discardSpare?(location: string): Promise<void>;
  /**
   * Every spare data of this home (recorded or left by a builder killed half-way), for
   * uninstall to discard; also removes what such a builder left besides (native: its user).
   */
  spareLeftovers?(): Promise<string[]>;
}
