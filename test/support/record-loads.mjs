// Module loader hooks for start-up tests: every file the program resolves (ESM imports, and
// CommonJS packages as they are imported) is appended to $RECORD_LOADS_FILE.
// Registered with: node --import 'data:text/javascript,import{register}from"node:module";register(<this file>)'
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.RECORD_LOADS_FILE && resolved.url.startsWith('file:'))
    appendFileSync(process.env.RECORD_LOADS_FILE, `${resolved.url}\n`);
  return resolved;
}
