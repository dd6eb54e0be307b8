import { poolerSuite } from '../support/pooler-suite.js';

/**
 * PgBouncer in front of a native server (the host's pgbouncer, as the instance's own OS user).
 * App role owner here (the docker suite keeps the default superuser role), so the lookup also
 * serves a role that is not a superuser and the program's own admin role prepares the server.
 */
poolerSuite('native', ['--engine', 'native', '--app-role', 'owner']);
