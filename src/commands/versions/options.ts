/** `versions <verb>`: produced by cli/versions.ts. */
export type VersionsOptions =
  { action: 'list' } | { action: 'install'; major: string } | { action: 'remove'; major: string };
