import type { GlobalOptions } from '../commands/options.js';

/** What argv asks for: text to print (help, version), or a command to run with its options. */
export type Invocation =
  | { kind: 'print'; text: string }
  | { kind: 'run'; command: CommandId; options: Record<string, unknown>; globals: GlobalOptions };

export type CommandId =
  | 'info'
  | 'status'
  | 'logs'
  | 'credentials'
  | 'manage.install'
  | 'manage.start'
  | 'manage.stop'
  | 'manage.restart'
  | 'manage.uninstall'
  | 'manage.upgrade'
  | 'manage.promote'
  | 'manage.tls'
  | 'test'
  | 'content'
  | 'backup'
  | 'export'
  | 'versions'
  | 'ui'
  | 'versions.install-extension'
  | 'pooler.start'
  | 'pooler.stop'
  | 'pooler.status'
  | 'snapshot';
