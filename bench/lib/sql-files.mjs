// The SQL files the content benchmarks run (bench/content.mjs, suites/content.mjs), written
// once to a temp path and reused while their size fits.
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { writePagilaLike } from './pagila.mjs';

/**
 * Single-row INSERT statements of ~140 bytes with quotes, escapes and semicolons inside
 * strings, after a DROP/CREATE of their table (so the file runs again on the same database),
 * ending in a SELECT count(*).
 */
export async function writeInserts(path, bytes) {
  if (existsSync(path) && statSync(path).size >= bytes) return statSync(path).size;
  const out = createWriteStream(path);
  let written = 0;
  const write = async (s) => {
    written += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(
    'DROP TABLE IF EXISTS bench_rows;\nCREATE TABLE bench_rows (id bigint PRIMARY KEY, name text, note text, amount numeric);\n',
  );
  let buf = '';
  for (let n = 1; written + buf.length < bytes; n++) {
    buf += `INSERT INTO bench_rows (id, name, note, amount) VALUES (${n}, 'name ${n}', 'it''s row ${n}; with a semicolon -- and no comment', ${(n * 1.25).toFixed(2)});\n`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(`${buf}SELECT count(*) FROM bench_rows;\n`);
  out.end();
  await once(out, 'finish');
  return statSync(path).size;
}

/** The pagila-like dump (lib/pagila.mjs); returns its size. */
export function writePagila(path) {
  if (existsSync(path)) return statSync(path).size;
  return writePagilaLike(path);
}
