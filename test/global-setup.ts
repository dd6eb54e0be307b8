// Builds the CLI bundle once before any test, so end-to-end tests run the current source.
// A build failure removes the stale bundle (end-to-end tests then fail saying so) but does
// not stop unit tests, which import the source directly.
import { rm } from 'node:fs/promises';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildCli } from '../scripts/build.mjs';

export default async function setup(): Promise<void> {
  try {
    await buildCli();
  } catch (e) {
    await rm(new URL('../dist/resource-postgres.mjs', import.meta.url), { force: true });
    console.error(`global setup: the CLI bundle did not build; end-to-end tests will fail:\n${(e as Error).message}`);
  }
}
