import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from '../../core/errors.js';

/** Where SQL comes from: named in errors ("file.sql:12", "<stdin>:3"). */
export interface SqlSource {
  /** The file path, or <stdin> / <argument>. */
  name: string;
  /** True for a real file: errors then say file:line. */
  isFile: boolean;
  /** Where \ir resolves relative paths: the file's directory (the current directory otherwise). */
  dir?: string;
  /** The raw bytes: they are decoded in the script's client encoding, which the script may change. */
  chunks(): AsyncIterable<Uint8Array | string>;
}

/** 64 KiB reads: large enough for throughput, small enough that memory stays flat. */
const READ_CHUNK = 1 << 16;

export function textSource(text: string, name: string): SqlSource {
  return {
    name,
    isFile: false,
    chunks: async function* () {
      yield Buffer.from(text, 'utf8');
    },
  };
}

/** A file read as a stream; its text is never held whole. */
export async function fileSource(path: string): Promise<SqlSource> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT' ? 'not-found' : 'failed',
      `cannot read SQL file ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      {
        hint: 'check the path (relative paths are from the current directory)',
        exitCode: 1,
      },
    );
  }
  if (!info.isFile())
    throw new CliError('usage', `${path} is not a file`, {
      hint: 'give a .sql file (content add also takes a directory)',
    });
  return {
    name: path,
    isFile: true,
    dir: dirname(path),
    chunks: () => createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>,
  };
}

/** Standard input as a stream (a pipe of any size). */
export function stdinSource(stdin: NodeJS.ReadableStream): SqlSource {
  return {
    name: '<stdin>',
    isFile: false,
    chunks: () => stdin as AsyncIterable<Buffer | string>,
  };
}
