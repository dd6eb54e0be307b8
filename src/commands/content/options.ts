/** Options of the content verbs, produced by cli/content.ts; one shape per action. */
export type ContentFormat = 'text' | 'json' | 'csv' | 'env';

interface Base {
  instance: string;
  format: ContentFormat;
  quiet: boolean;
}

export type ContentOptions =
  | (Base & { action: 'list' })
  /** from: a branch, a copy of that database (force: end its sessions, which the copy needs gone). */
  | (Base & { action: 'create-database'; database: string; dryRun: boolean; from?: string; force?: boolean })
  | (Base & { action: 'remove'; database: string; force: boolean; dryRun: boolean })
  /** database undefined: the instance's default database. */
  | (Base & { action: 'get'; database?: string; showSecrets: boolean })
  /** No sql and no file: read standard input. */
  /** encoding: what the SQL is written in until it says otherwise (default PGCLIENTENCODING, else UTF8). */
  | (Base & { action: 'execute'; database?: string; sql?: string; file?: string; dryRun: boolean; encoding?: string })
  | (Base & { action: 'add'; path: string; database?: string; init: boolean; dryRun: boolean; encoding?: string })
  | (Base & { action: 'migrate'; dir: string; database?: string; dryRun: boolean; status: boolean; target?: number });

export type ContentAction = ContentOptions['action'];

export type OptionsOf<A extends ContentAction> = Extract<ContentOptions, { action: A }>;

/** Where `content migrate` looks when no directory is given. */
export const DEFAULT_MIGRATIONS_DIR = 'migrations';
