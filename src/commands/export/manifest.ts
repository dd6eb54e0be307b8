/**
 * One file an export writes: a Kubernetes document (or a compose file) and the comment above
 * it. A stub is written commented out, for the user to finish and uncomment.
 */
export interface Manifest {
  file: string;
  comment: string;
  body: Record<string, unknown>;
  stub?: boolean;
}

/** metadata for a namespaced object: the namespace only when the user named one. */
export function metadata(name: string, namespace?: string): Record<string, string> {
  return namespace ? { name, namespace } : { name };
}

/** What the export asks of whoever applies it, beside the documents. */
export interface ExportNotes {
  warnings: string[];
}
