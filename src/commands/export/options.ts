/** Options of the export verbs, produced by cli/export.ts. */
export type ExportCnpgOptions = {
  target: 'cnpg';
  instance: string;
  namespace?: string;
  instances: number;
  /** A Kubernetes quantity, e.g. 10Gi. */
  storage: string;
  /** Write one file per document here instead of printing them. */
  out?: string;
  /** Replace files already in --out. */
  force?: boolean;
  showSecrets: boolean;
};

export type ExportComposeOptions = {
  target: 'compose';
  instance: string;
  out?: string;
  force?: boolean;
};

export type ExportOptions = ExportCnpgOptions | ExportComposeOptions;

export const EXPORT_DEFAULTS = { instances: 3, storage: '10Gi' } as const;
