import { describe, expect, it } from 'vitest';
import { LogFrameDecoder } from '../../src/engines/docker/log-frames.js';

function frame(stream: 1 | 2, text: string | Buffer): Buffer {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('LogFrameDecoder', () => {
  it('splits frames into lines, stdout and stderr in stream order', () => {
    const d = new LogFrameDecoder();
    const lines = d.push(Buffer.concat([frame(1, 'one\n'), frame(2, 'two\r\nthree\n'), frame(1, 'four\n')]));
    expect(lines).toEqual(['one', 'two', 'three', 'four']);
    expect(d.flush()).toEqual([]);
  });

  it('reassembles frames split across chunks at any byte', () => {
    const all = Buffer.concat([frame(2, 'LOG:  database system is ready\n'), frame(1, 'done\n')]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new LogFrameDecoder();
      expect([...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))]).toEqual([
        'LOG:  database system is ready',
        'done',
      ]);
    }
  });

  it('keeps partial lines per stream so stdout and stderr never splice', () => {
    const d = new LogFrameDecoder();
    expect(d.push(Buffer.concat([frame(1, 'out-a'), frame(2, 'err-a'), frame(1, 'out-b\n')]))).toEqual(['out-aout-b']);
    expect(d.flush()).toEqual(['err-a']);
  });

  it('decodes a UTF-8 character split across frames', () => {
    const bytes = Buffer.from('héllo\n');
    const d = new LogFrameDecoder();
    expect(d.push(Buffer.concat([frame(1, bytes.subarray(0, 2)), frame(1, bytes.subarray(2))]))).toEqual(['héllo']);
  });

  it('passes an unframed (TTY) stream through as text', () => {
    const d = new LogFrameDecoder();
    expect(d.push(Buffer.from('plain line one\nplain two\npartial'))).toEqual(['plain line one', 'plain two']);
    expect(d.flush()).toEqual(['partial']);
  });
});
