import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CliError } from '../../core/errors.js';
import { type SqlItem, SqlSplitter } from './splitter.js';

/** Where SQL comes from: named in errors ("file.sql:12", "<stdin>:3"). */
export interface SqlSource {
  /** The file path, or <stdin> / <argument>. */
  name: string;
  /** True for a real file: errors then say file:line. */
  isFile: boolean;
  chunks(): AsyncIterable<string>;
}

/** 1 MiB reads: large enough for throughput, small enough that memory stays flat. */
const READ_CHUNK = 1 << 16;

export function textSource(text: string, name: string): SqlSource {
  return {
    name,
    isFile: false,
    chunks: async function* () {
      yield text;
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
    chunks: () => createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK }) as AsyncIterable<string>,
  };
}

/** Standard input as a stream (a pipe of any size). */
export function stdinSource(stdin: NodeJS.ReadableStream): SqlSource {
  return {
    name: '<stdin>',
    isFile: false,
    chunks: async function* () {
      stdin.setEncoding('utf8');
      for await (const chunk of stdin as AsyncIterable<string>) yield chunk;
    },
  };
}

/** Items of a source, pulled lazily: the file is read only as fast as statements run. */
export async function* sqlItems(source: SqlSource): AsyncGenerator<SqlItem> {
  const splitter = new SqlSplitter();
  for await (const chunk of source.chunks()) yield* splitter.push(chunk);
  yield* splitter.end();
}
