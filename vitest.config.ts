import { readFileSync } from 'node:fs';
import { configDefaults, defineConfig, type Plugin } from 'vitest/config';

/** The same as the build's esbuild text loader: `import text from './x.yaml'` (or .html) gives the file's text. */
const yamlAsText: Plugin = {
  name: 'yaml-as-text',
  load(id) {
    if (id.endsWith('.yaml') || id.endsWith('.html'))
      return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
    return undefined;
  },
};

export default defineConfig({
  plugins: [yamlAsText],
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Restarting dockerd stops every container on the machine: that suite runs only when asked
    // (CI runs it alone, after everything else).
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.RESOURCE_POSTGRES_TEST_DOCKER_RESTART === '1'
        ? []
        : ['test/integration/reliability-daemon-restart.test.ts']),
    ],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites start real servers; two cores do not like more than this.
    maxWorkers: 2,
    minWorkers: 1,
    // No background spare builds after every create in ~1400 tests (each an initdb or a
    // container on two cores): the spare suites turn them back on for their own runs.
    env: { RESOURCE_POSTGRES_SPARES: 'off' },
  },
});
