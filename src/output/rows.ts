/**
 * Query results as psql prints them (aligned, border 1), as CSV (psql --csv conventions) and
 * as JSON values. Pure: `content execute` streams these lines; tests compare with psql.
 */
export interface RowSet {
  fields: Array<{ name: string; dataTypeID: number }>;
  /** Values as the server's text output; null is SQL NULL. */
  rows: Array<Array<string | null>>;
}

/** Types psql right-aligns: int2/4/8, float4/8, numeric, oid, xid, cid, xid8, money. */
const NUMERIC_OIDS = new Set([20, 21, 23, 26, 28, 29, 700, 701, 790, 1700, 5069]);
const INT_OIDS = new Set([21, 23, 26]);
const FLOAT_OIDS = new Set([700, 701]);
const JSON_OIDS = new Set([114, 3802]);
const BOOL_OID = 16;
const INT8_OID = 20;

const width = (s: string) => [...s].length;

function center(s: string, w: number): string {
  const pad = w - width(s);
  const left = Math.floor(pad / 2);
  return ' '.repeat(left) + s + ' '.repeat(pad - left);
}

/** The aligned table, header to the `(N rows)` footer and its blank line. */
export function alignedTable(set: RowSet): string[] {
  const n = set.fields.length;
  const right = set.fields.map((f) => NUMERIC_OIDS.has(f.dataTypeID));
  const cells = set.rows.map((row) => row.map((v) => (v ?? '').split('\n')));
  const widths = set.fields.map((f, c) =>
    Math.max(width(f.name), ...cells.map((row) => Math.max(...row[c]!.map(width)))),
  );
  const out = [
    set.fields.map((f, c) => ` ${center(f.name, widths[c]!)} `).join('|'),
    widths.map((w) => '-'.repeat(w + 2)).join('+'),
  ];
  for (const row of cells) {
    const height = Math.max(1, ...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      let line = '';
      for (let c = 0; c < n; c++) {
        const text = row[c]![l] ?? '';
        const more = l < row[c]!.length - 1;
        const last = c === n - 1;
        const padded =
          last && l >= row[c]!.length
            ? ''
            : right[c]
              ? text.padStart(widths[c]! + text.length - width(text))
              : last && !more
                ? text
                : text.padEnd(widths[c]! + text.length - width(text));
        line += `${c ? '|' : ''} ${padded}${more ? '+' : last ? '' : ' '}`;
      }
      out.push(line);
    }
  }
  out.push(`(${set.rows.length} ${set.rows.length === 1 ? 'row' : 'rows'})`, '');
  return out;
}

function csvField(v: string | null): string {
  if (v === null) return '';
  // An empty string is quoted so it stays distinct from NULL, as psql --csv does.
  return v === '' || /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLines(set: RowSet): string[] {
  return [set.fields.map((f) => csvField(f.name)).join(','), ...set.rows.map((r) => r.map(csvField).join(','))];
}

/**
 * A JSON value per column type. numeric stays a string so no digit is lost; int8 (count(*))
 * is a number while it fits a double exactly, else a string.
 */
export function jsonValue(v: string | null, typeOid: number): unknown {
  if (v === null) return null;
  if (INT_OIDS.has(typeOid)) return Number(v);
  if (typeOid === INT8_OID) return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (FLOAT_OIDS.has(typeOid)) return Number.isFinite(Number(v)) ? Number(v) : v;
  if (typeOid === BOOL_OID) return v === 't';
  if (JSON_OIDS.has(typeOid)) return JSON.parse(v) as unknown;
  return v;
}

/** Rows as objects; a repeated column name gets _2, _3 so no value is lost. */
export function jsonRows(set: RowSet): Array<Record<string, unknown>> {
  const seen = new Map<string, number>();
  const keys = set.fields.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    return n === 1 ? f.name : `${f.name}_${n}`;
  });
  return set.rows.map((row) =>
    Object.fromEntries(row.map((v, c) => [keys[c]!, jsonValue(v, set.fields[c]!.dataTypeID)])),
  );
}
