import type { ExportData } from '../commands/export/index.js';

/** `export`: the documents themselves when printed; where they went when written (--out). */
function renderExport(d: ExportData): string {
  if (!d.out) return d.text;
  const next =
    d.target === 'cnpg'
      ? `next: kubectl apply -f ${d.out}   (the *.example stub is skipped; see README: When one machine is not enough)`
      : `next: docker compose -f ${d.out}/compose.yaml up -d --wait   (create the password file first: see its comment)`;
  return [
    `wrote ${d.files.length} file${d.files.length === 1 ? '' : 's'} for instance ${d.instance}:`,
    ...d.files.map((f) => `  ${f}`),
    next,
  ].join('\n');
}

export const exportTextRenderers: Record<string, (data: never) => string> = {
  export: renderExport as (data: never) => string,
};

/** JSON carries the documents as data; the YAML text is for people and files. */
export const exportJsonViews: Record<string, (data: never) => unknown> = {
  export: (({ text: _text, ...rest }: ExportData) => rest) as (data: never) => unknown,
};
