import { dockerAvailability, TEST_IMAGE } from '../support/cli.js';
import { poolerSuite } from '../support/pooler-suite.js';

/**
 * PgBouncer in front of a docker server: the host's pgbouncer against the published port.
 * In CI a missing daemon or image fails the suite instead of skipping it.
 */
const docker = await dockerAvailability();
if (!docker.ok && process.env.CI) throw new Error(`CI requires the Docker suites to run, but ${docker.reason}`);
if (docker.ok) poolerSuite('docker', ['--engine', 'docker', '--image', TEST_IMAGE]);
else console.warn(`skipping the docker pooler suite: ${docker.reason}`);
