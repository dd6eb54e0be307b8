/**
 * PostgreSQL's client encodings, as names and as ways to read bytes. A script is read in
 * the encoding the server was told it is in (psql sends the bytes and lets the server
 * convert; this program decodes them itself and talks UTF-8 to the server, which gives the
 * same text). Names follow PostgreSQL: case and punctuation do not count, and the aliases
 * it accepts (latin1, iso88591, windows1252, unicode, ...) are accepted here.
 */
export type Codec =
  /** UTF-8, validated (SQL_ASCII too: a UTF-8 server validates it as UTF-8). */
  | { kind: 'utf8' }
  /** One byte, one character; -1 where a byte has no character. */
  | { kind: 'single'; table: Int32Array }
  /** A multi-byte encoding the runtime's TextDecoder knows. */
  | { kind: 'multi'; label: string };

/** Canonical name -> how to read it. The WHATWG label is for TextDecoder. */
const READERS: Record<string, string> = {
  UTF8: 'utf8',
  SQL_ASCII: 'utf8',
  LATIN1: 'latin1',
  LATIN2: 'iso-8859-2',
  LATIN3: 'iso-8859-3',
  LATIN4: 'iso-8859-4',
  LATIN5: 'latin5',
  LATIN6: 'iso-8859-10',
  LATIN7: 'iso-8859-13',
  LATIN8: 'iso-8859-14',
  LATIN9: 'iso-8859-15',
  LATIN10: 'iso-8859-16',
  ISO_8859_5: 'iso-8859-5',
  ISO_8859_6: 'iso-8859-6',
  ISO_8859_7: 'iso-8859-7',
  ISO_8859_8: 'iso-8859-8',
  WIN866: 'ibm866',
  WIN874: 'windows-874',
  KOI8R: 'koi8-r',
  KOI8U: 'koi8-u',
  WIN1250: 'windows-1250',
  WIN1251: 'windows-1251',
  WIN1252: 'windows-1252',
  WIN1253: 'windows-1253',
  WIN1254: 'windows-1254',
  WIN1255: 'windows-1255',
  WIN1256: 'windows-1256',
  WIN1257: 'windows-1257',
  WIN1258: 'windows-1258',
  EUC_JP: 'm:euc-jp',
  EUC_CN: 'm:gbk',
  EUC_KR: 'm:euc-kr',
  UHC: 'm:euc-kr',
  SJIS: 'm:shift_jis',
  BIG5: 'm:big5',
  GBK: 'm:gbk',
  GB18030: 'm:gb18030',
};

/** Encodings the server knows but no decoder here reads. */
const UNREADABLE = ['EUC_TW', 'EUC_JIS_2004', 'SHIFT_JIS_2004', 'JOHAB', 'MULE_INTERNAL'];

const ALIASES: Record<string, string> = {
  unicode: 'UTF8',
  iso88591: 'LATIN1',
  iso88592: 'LATIN2',
  iso88593: 'LATIN3',
  iso88594: 'LATIN4',
  iso88599: 'LATIN5',
  iso885910: 'LATIN6',
  iso885913: 'LATIN7',
  iso885914: 'LATIN8',
  iso885915: 'LATIN9',
  iso885916: 'LATIN10',
  koi8: 'KOI8R',
  win: 'WIN1251',
  alt: 'WIN866',
  abc: 'WIN1258',
  tcvn: 'WIN1258',
  tcvn5712: 'WIN1258',
  vscii: 'WIN1258',
  mskanji: 'SJIS',
  shiftjis: 'SJIS',
  win932: 'SJIS',
  windows932: 'SJIS',
  win936: 'GBK',
  windows936: 'GBK',
  win949: 'UHC',
  windows949: 'UHC',
  win950: 'BIG5',
  windows950: 'BIG5',
};

const clean = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const CANONICAL = new Map([...Object.keys(READERS), ...UNREADABLE].map((n) => [clean(n), n]));

/** The canonical name of an encoding (WIN1252 for "windows-1252"), or undefined if PostgreSQL has none such. */
export function canonicalEncoding(name: string): string | undefined {
  const c = clean(name);
  const windows = /^windows(\d+)$/.exec(c);
  return CANONICAL.get(c) ?? ALIASES[c] ?? (windows ? CANONICAL.get(`win${windows[1]}`) : undefined);
}

/**
 * windows-1252 at 0x80-0x9F (0x80 for unassigned bytes): Node 20's TextDecoder reads
 * windows-1252 as ISO-8859-1 there, so this table is spelled out.
 */
const WIN1252_HIGH = [
  0x20ac, 0x80, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x80, 0x17d, 0x80,
  0x80, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x80, 0x17e, 0x178,
];

const codecs = new Map<string, Codec>();

/** How to read a canonical encoding; undefined when it cannot be read here (EUC_TW, MULE_INTERNAL, ...). */
export function codecFor(canonical: string): Codec | undefined {
  const reader = READERS[canonical];
  if (!reader) return undefined;
  let codec = codecs.get(canonical);
  if (!codec) {
    codec =
      reader === 'utf8'
        ? { kind: 'utf8' }
        : reader.startsWith('m:')
          ? { kind: 'multi', label: reader.slice(2) }
          : { kind: 'single', table: singleByteTable(reader) };
    codecs.set(canonical, codec);
  }
  return codec;
}

/**
 * The byte -> character table of a single-byte encoding. WHATWG decoders differ from
 * PostgreSQL in two places: they read ISO-8859-1 and -9 as windows-1252 and -1254 (whose
 * 0x80-0x9F are letters, where LATIN1/LATIN5 have control characters), and they map the
 * windows code pages' unassigned bytes to control characters, which PostgreSQL rejects.
 */
function singleByteTable(reader: string): Int32Array {
  const table = new Int32Array(256);
  const own = reader === 'latin1' || reader === 'windows-1252';
  const decoder = own ? undefined : new TextDecoder(reader === 'latin5' ? 'windows-1254' : reader);
  for (let b = 0; b < 256; b++) {
    const ch = decoder
      ? decoder.decode(Uint8Array.of(b)).charCodeAt(0)
      : reader === 'windows-1252' && b >= 0x80 && b <= 0x9f
        ? WIN1252_HIGH[b - 0x80]!
        : b;
    const c1 = b >= 0x80 && b <= 0x9f;
    if (c1 && reader === 'latin5') table[b] = b;
    else if (ch === 0xfffd || (reader.startsWith('windows-') && ch >= 0x80 && ch <= 0x9f)) table[b] = -1;
    else table[b] = ch;
  }
  return table;
}
