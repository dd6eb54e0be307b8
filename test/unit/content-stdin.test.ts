import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { execute } from '../../src/commands/content/execute.js';
import { stdinWithSql } from '../../src/commands/content/stdin-sql.js';
import { start } from '../../src/commands/manage/index.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

/** `content execute` with SQL on standard input: none at all is an error, anything else passes through intact. */
async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

describe('stdinWithSql', () => {
  it.each([
    ['empty', []],
    ['one empty chunk', ['']],
    ['blank lines and tabs over several chunks', ['\n', '  \t', '\r\n\f']],
  ])('%s: no SQL', async (_, chunks) => {
    expect(await stdinWithSql(Readable.from(chunks.map((c) => Buffer.from(c))))).toBeUndefined();
  });

  it('replays what it read, then the rest, byte for byte (a character split across chunks included)', async () => {
    const bytes = Buffer.from("\n\nSELECT 'äbc';\nSELECT 2;\n");
    const at = bytes.indexOf(0xc3) + 1; // inside the two bytes of "ä"
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2, at), bytes.subarray(at)];
    const stream = await stdinWithSql(Readable.from(chunks));
    expect(stream).toBeDefined();
    expect(await text(stream!)).toBe(bytes.toString('utf8'));
  });

  it('keeps working for a reader that sets an encoding, as the SQL reader does', async () => {
    const stream = await stdinWithSql(Readable.from([Buffer.from('  '), Buffer.from('SELECT 1')]));
    stream!.setEncoding('utf8');
    const seen: string[] = [];
    for await (const chunk of stream as AsyncIterable<string>) seen.push(chunk);
    expect(seen.join('')).toBe('  SELECT 1');
    expect(seen.every((c) => typeof c === 'string')).toBe(true);
  });
});

describe('content execute without SQL', () => {
  let w: FakeWorld | undefined;
  afterEach(async () => w?.cleanup());

  it.each([
    ['empty', false, [] as string[], /standard input is empty/],
    ['blank', false, ['\n \n'], /standard input is empty/],
    ['a terminal', true, [], /standard input is a terminal/],
  ])('stdin %s: a usage error (exit 1) saying how to pass SQL, before any connection', async (_, tty, chunks, why) => {
    w = await fakeWorld();
    await start(w.ctx, { instance: 'main', all: false, engine: 'auto', wait: true, force: false, dryRun: false });
    w.ctx.io = { ...w.ctx.io, stdinIsTTY: tty, stdin: Readable.from(chunks.map((c) => Buffer.from(c))) };
    const opts = { action: 'execute', instance: 'main', format: 'text', quiet: false, dryRun: false } as const;
    for (const dryRun of [false, true])
      await expect(execute(w.ctx, { ...opts, dryRun })).rejects.toMatchObject({
        exitCode: 1,
        message: expect.stringMatching(why),
        hint: expect.stringMatching(/as an argument .*--sql .*--file .*pipe it/),
      });
  });
});
