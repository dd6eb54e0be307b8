import { poolerSuite } from '../support/pooler-suite.js';

/** PgBouncer in front of a native server (the host's pgbouncer, as the instance's own OS user). */
poolerSuite('native', ['--engine', 'native']);
