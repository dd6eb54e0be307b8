/** `versions <verb>`: produced by cli/versions.ts. */
export type VersionsOptions =
  | { action: 'list' }
  /** dryRun: the same refusals, then what would be done; nothing changes. */
  | { action: 'install'; major: string; dryRun?: boolean }
  | { action: 'remove'; major: string; dryRun?: boolean };
