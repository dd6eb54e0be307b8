import { describe, expect, it } from 'vitest';
import { DecodeError, firstInvalidUtf8, TextFeed } from '../../src/postgres/sql/decoder.js';
import { canonicalEncoding, codecFor } from '../../src/postgres/sql/encodings.js';
import { ScriptReader, sqlItems } from '../../src/postgres/sql/reader.js';
import type { SqlItem } from '../../src/postgres/sql/splitter.js';
import type { SqlSource } from '../../src/postgres/sql/stream.js';

/** A source that hands out `bytes` in pieces of `size` bytes (so characters straddle reads). */
function bytesSource(bytes: Buffer, size = bytes.length || 1): SqlSource {
  return {
    name: 'script.sql',
    isFile: true,
    chunks: async function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    },
  };
}

async function all(feed: TextFeed): Promise<string> {
  let text = '';
  for (let t = await feed.next(); t !== null; t = await feed.next()) text += t;
  return text;
}

const win1252 = (s: string) => Buffer.from(s, 'latin1'); // ä, é, ü... share their code in both

describe('encoding names', () => {
  it.each([
    ['UTF8', 'UTF8'],
    ['unicode', 'UTF8'],
    ['latin1', 'LATIN1'],
    ['ISO-8859-1', 'LATIN1'],
    ['windows-1252', 'WIN1252'],
    ['Win1252', 'WIN1252'],
    ['sql_ascii', 'SQL_ASCII'],
    ['shift_jis', 'SJIS'],
    ['EUC_TW', 'EUC_TW'],
  ])('%s is %s', (name, canonical) => expect(canonicalEncoding(name)).toBe(canonical));

  it('knows which it cannot read and which are not encodings at all', () => {
    expect(codecFor('EUC_TW')).toBeUndefined();
    expect(canonicalEncoding('klingon')).toBeUndefined();
  });
});

describe('TextFeed', () => {
  it('reads UTF-8 split anywhere, characters across reads included', async () => {
    const text = "SELECT 'äöü €𝄞';\n".repeat(50);
    for (const size of [1, 2, 3, 5, 64])
      expect(await all(new TextFeed(bytesSource(Buffer.from(text), size).chunks(), 'UTF8'))).toBe(text);
  });

  it('refuses bytes that are not UTF-8 only when the reader gets to them, naming the bytes', async () => {
    const feed = new TextFeed(bytesSource(Buffer.concat([Buffer.from('ok;\n'), win1252('äbc')])).chunks(), 'UTF8');
    expect(await feed.next()).toBe('ok;\n');
    const e = await feed.next().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as Error).message).toBe('invalid byte sequence for encoding "UTF8": 0xe4 0x62 0x63');
  });

  it('re-reads the unread rest in a new encoding from the byte where it starts', async () => {
    const bytes = Buffer.concat([Buffer.from("SET client_encoding TO WIN1252;\nSELECT 'é"), win1252("äbc';\n")]);
    const feed = new TextFeed(bytesSource(bytes).chunks(), 'UTF8');
    const first = (await feed.next())!;
    expect(first).toBe("SET client_encoding TO WIN1252;\nSELECT 'é");
    feed.switchTo('WIN1252', first.slice('SET client_encoding TO WIN1252;'.length));
    // The é was two UTF-8 bytes; read again as WIN1252 they are two characters, as psql's server would read them.
    expect(await all(feed)).toBe("\nSELECT 'Ã©äbc';\n");
  });

  it('reads LATIN1 0x80-0x9F as control characters and rejects unassigned WIN1252 bytes', async () => {
    expect(await all(new TextFeed(bytesSource(Buffer.from([0x80, 0xe4])).chunks(), 'LATIN1'))).toBe('\u0080ä');
    expect(await all(new TextFeed(bytesSource(Buffer.from([0x80, 0xe4])).chunks(), 'WIN1252'))).toBe('€ä');
    await expect(all(new TextFeed(bytesSource(Buffer.from([0x81])).chunks(), 'WIN1252'))).rejects.toThrow(/0x81/);
  });

  it('reads Shift-JIS, whose second bytes can be a backslash (0x5C), as whole characters', async () => {
    // 表 is 0x95 0x5C in Shift-JIS: read as bytes, its second half would escape the quote.
    const bytes = Buffer.from([0x53, 0x45, 0x4c, 0x27, 0x95, 0x5c, 0x27, 0x3b, 0x0a]);
    expect(await all(new TextFeed(bytesSource(bytes, 5).chunks(), 'SJIS'))).toBe("SEL'表';\n");
  });

  it('finds the first invalid UTF-8 byte (overlong, surrogate, truncated)', () => {
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2);
    expect(firstInvalidUtf8(Buffer.from('ok €'))).toBe(6);
  });
});

describe('ScriptReader', () => {
  const statements = (items: SqlItem[]) => items.flatMap((i) => (i.kind === 'statement' ? [i.text] : []));

  it('switches encoding between two statements of the same read', async () => {
    const bytes = Buffer.concat([
      Buffer.from('SET client_encoding TO LATIN1;\n'),
      win1252("INSERT INTO t VALUES ('äbc');\n"),
    ]);
    const reader = new ScriptReader(bytesSource(bytes), 'UTF8');
    expect(await reader.next()).toMatchObject({ text: 'SET client_encoding TO LATIN1;' });
    reader.setEncoding('LATIN1');
    expect(await reader.next()).toMatchObject({ text: "INSERT INTO t VALUES ('äbc');", line: 2 });
  });

  it('names the file and line of bytes it cannot read, with what to do', async () => {
    const reader = new ScriptReader(
      bytesSource(Buffer.concat([Buffer.from('SELECT 1;\n\nSELECT '), win1252("'ä';")])),
      'UTF8',
    );
    expect(await reader.next()).toMatchObject({ text: 'SELECT 1;' });
    const e = await reader.next().catch((err: unknown) => err);
    expect(e).toMatchObject({ message: 'script.sql:3: invalid byte sequence for encoding "UTF8": 0xe4 0x27 0x3b' });
    expect((e as { hint: string }).hint).toMatch(/PGCLIENTENCODING|SET client_encoding/);
  });

  it('dry runs take COPY data where the statement is spelled COPY ... FROM stdin', async () => {
    const items: SqlItem[] = [];
    for await (const item of sqlItems(bytesSource(Buffer.from('COPY t FROM stdin;\nSELECT;\n\\.\nSELECT 1;\n'))))
      items.push(item);
    expect(statements(items)).toEqual(['COPY t FROM stdin;', 'SELECT 1;']);
  });
});
