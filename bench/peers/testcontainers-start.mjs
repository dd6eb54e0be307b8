// One testcontainers-node start, as its user would write it: start a PostgreSqlContainer from
// the image, then the same authenticated query. Prints the container id (the bench removes
// it; Ryuk, the reaper, is disabled because it would need to pull its own image).
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { queryOnce } from '../lib/pg-ready.mjs';

const [image, label] = process.argv.slice(2);
const [key, value] = label.split('=');
const container = await new PostgreSqlContainer(image)
  .withUsername('bench')
  .withPassword('bench-secret-1')
  .withDatabase('bench')
  .withLabels({ [key]: value })
  .start();
const ok = await queryOnce({ port: container.getPort(), user: 'bench', password: 'bench-secret-1', database: 'bench' });
process.stdout.write(`${container.getId()}\n`);
process.exit(ok ? 0 : 1);
