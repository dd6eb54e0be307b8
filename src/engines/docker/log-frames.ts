import { StringDecoder } from 'node:string_decoder';

/**
 * Decodes Docker's multiplexed log stream (containers without a TTY) into text lines.
 * Each frame is an 8-byte header [stream, 0, 0, 0, size (uint32 BE)] then `size` bytes.
 * Frames split lines arbitrarily and chunks split frames arbitrarily, so both are buffered;
 * stdout and stderr keep separate partial lines so they never splice into each other.
 */
export class LogFrameDecoder {
  #pending: Buffer = Buffer.alloc(0);
  #partial = new Map<number, string>();
  /** Per stream, so a UTF-8 character split across frames decodes whole. */
  #decoders = new Map<number, StringDecoder>();
  /** Set when the stream is not framed (a TTY container): pass bytes through as stdout. */
  #raw = false;

  /** Feeds one chunk; returns the lines it completed, in stream order. */
  push(chunk: Buffer): string[] {
    if (this.#raw) return this.#text(1, chunk);
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const lines: string[] = [];
    while (this.#pending.length >= 8) {
      const type = this.#pending[0]!;
      if (type > 2 || this.#pending[1] !== 0 || this.#pending[2] !== 0 || this.#pending[3] !== 0) {
        this.#raw = true;
        const rest = this.#pending;
        this.#pending = Buffer.alloc(0);
        return lines.concat(this.#text(1, rest));
      }
      const size = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + size) break;
      lines.push(...this.#text(type, this.#pending.subarray(8, 8 + size)));
      this.#pending = this.#pending.subarray(8 + size);
    }
    return lines;
  }

  /** The unterminated last line of each stream, at end of input. */
  flush(): string[] {
    const rest = [...this.#partial.values()].filter((s) => s.length > 0);
    this.#partial.clear();
    return rest;
  }

  #text(stream: number, bytes: Buffer): string[] {
    let decoder = this.#decoders.get(stream);
    if (!decoder) this.#decoders.set(stream, (decoder = new StringDecoder('utf8')));
    const text = (this.#partial.get(stream) ?? '') + decoder.write(bytes);
    const parts = text.split('\n');
    this.#partial.set(stream, parts.pop()!);
    return parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
}
