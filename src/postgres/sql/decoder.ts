import { isUtf8 } from 'node:buffer';
import { type Codec, codecFor } from './encodings.js';

/** Bytes that are not text in the script's encoding; the reader adds the file and line. */
export class DecodeError extends Error {
  constructor(
    readonly encoding: string,
    readonly bytes: Buffer,
  ) {
    super(
      `invalid byte sequence for encoding "${encoding}": ${[...bytes.subarray(0, 4)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}`,
    );
  }
}

/**
 * A script's bytes as text, piece by piece, in an encoding that may change while it is
 * read (a `SET client_encoding` in the script). Only what the splitter asks for is decoded,
 * and the last piece's bytes are kept, so the part the splitter has not read yet can be
 * decoded again in the new encoding. Bytes invalid in the encoding are an error once the
 * reader gets to them, never replacement characters.
 */
export class TextFeed {
  private pending: Buffer = Buffer.alloc(0);
  private last?: { bytes: Buffer; text: string };
  private eof = false;
  private codec: Codec;
  private readonly chunks: AsyncIterator<Uint8Array | string>;

  constructor(
    source: AsyncIterable<Uint8Array | string>,
    public encoding: string,
  ) {
    this.codec = readable(encoding);
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** The next piece of text, or null at the end of the input. */
  async next(): Promise<string | null> {
    for (;;) {
      const cut = cutPoint(this.codec, this.pending, this.eof);
      if (cut > 0) {
        const piece = this.pending.subarray(0, cut);
        const { text, bad } = decodePiece(this.codec, piece);
        if (bad === 0)
          throw new DecodeError(this.encoding, this.pending.subarray(0, sequenceLength(this.codec, this.pending[0]!)));
        const used = bad ?? cut;
        this.pending = this.pending.subarray(used);
        this.last = { bytes: piece.subarray(0, used), text };
        return text;
      }
      if (this.eof) return null;
      const r = await this.chunks.next();
      if (r.done) this.eof = true;
      else {
        const chunk =
          typeof r.value === 'string'
            ? Buffer.from(r.value)
            : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
        this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      }
    }
  }

  /** Reads `rest`, the unread end of the last piece, and everything after it in another encoding. */
  switchTo(encoding: string, rest: string): void {
    const codec = readable(encoding);
    if (rest.length) {
      const last = this.last;
      if (!last || !last.text.endsWith(rest)) throw new Error('the rest of the script cannot be re-read here');
      const offset = byteOffset(this.codec, last.bytes, last.text, last.text.length - rest.length);
      this.pending = Buffer.concat([last.bytes.subarray(offset), this.pending]);
    }
    this.last = undefined;
    this.encoding = encoding;
    this.codec = codec;
  }
}

/** How many bytes an error shows, as the server does: the sequence the first byte announces. */
function sequenceLength(codec: Codec, first: number): number {
  if (codec.kind === 'single') return 1;
  if (codec.kind === 'multi') return 2;
  return first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
}

function readable(encoding: string): Codec {
  const codec = codecFor(encoding);
  if (!codec) throw new Error(`no decoder for ${encoding}`);
  return codec;
}

/** How many bytes can be decoded now: up to a character boundary (all of them at the end of the input). */
function cutPoint(codec: Codec, b: Buffer, eof: boolean): number {
  if (eof || codec.kind === 'single') return b.length;
  // Other multi-byte encodings have no easy boundary test, but a newline byte is never inside a character.
  if (codec.kind === 'multi') return b.lastIndexOf(0x0a) + 1;
  let k = 0;
  while (k < 3 && k < b.length && (b[b.length - 1 - k]! & 0xc0) === 0x80) k++;
  const lead = b[b.length - 1 - k];
  if (lead === undefined) return b.length;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return size > k + 1 ? b.length - 1 - k : b.length;
}

/** The text of a piece; `bad` is the offset of the first byte with no character, when there is one. */
function decodePiece(codec: Codec, b: Buffer): { text: string; bad?: number } {
  if (codec.kind === 'utf8') {
    if (isUtf8(b)) return { text: b.toString('utf8') };
    const bad = firstInvalidUtf8(b);
    return { text: b.toString('utf8', 0, bad), bad };
  }
  if (codec.kind === 'single') {
    const units = new Uint16Array(b.length);
    for (let i = 0; i < b.length; i++) {
      const ch = codec.table[b[i]!]!;
      if (ch < 0) return { text: utf16(units.subarray(0, i)), bad: i };
      units[i] = ch;
    }
    return { text: utf16(units) };
  }
  try {
    return { text: new TextDecoder(codec.label, { fatal: true, ignoreBOM: true }).decode(b) };
  } catch {
    const loose = new TextDecoder(codec.label, { ignoreBOM: true }).decode(b);
    const k = loose.indexOf('\ufffd');
    return { text: loose.slice(0, k), bad: byteOffset(codec, b, loose, k) };
  }
}

const utf16 = (units: Uint16Array) => new TextDecoder('utf-16le').decode(units);

/** The byte offset in `bytes` where character `chars` of `text` (decoded from them) begins. */
function byteOffset(codec: Codec, bytes: Buffer, text: string, chars: number): number {
  if (codec.kind === 'utf8') return Buffer.byteLength(text.slice(0, chars), 'utf8');
  if (codec.kind === 'single') return chars;
  const d = new TextDecoder(codec.label, { ignoreBOM: true });
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (n >= chars) return i;
    n += d.decode(bytes.subarray(i, i + 1), { stream: true }).length;
  }
  return bytes.length;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (overlong forms, surrogates and > U+10FFFF included). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1]!;
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return i;
    i += n + 1;
  }
  return b.length;
}
