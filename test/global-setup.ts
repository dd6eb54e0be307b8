// Builds the CLI bundle once before any test, so end-to-end tests run the current source.
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildCli } from '../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildCli();
}
