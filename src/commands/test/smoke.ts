import type { Context } from '../../context.js';
import { connectHost } from '../../core/connection.js';
import { asAdmin, type Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import { tcpCheck } from '../status/health.js';
import { serverFacts } from '../../postgres/backup/catalog.js';
import { type CheckResult, expectThat, runCheck } from './check.js';

/**
 * Is the instance's server there at all? The live suites need it. Not running although it
 * should be (crashed, killed, removed behind our back) is a failed check; stopped on purpose
 * means the suite cannot run.
 */
export async function runningCheck(engine: Engine, instance: Instance): Promise<CheckResult> {
  return runCheck('smoke', 'instance running', async () => {
    const state = await engine.inspect(instance);
    const how = `${state.state}${state.detail ? `: ${state.detail}` : ''}`;
    expectThat(
      state.state === 'running',
      instance.desiredState === 'running'
        ? `instance ${instance.name} should be running but is not (${how}): it crashed or was stopped outside resource-postgres; see resource-postgres logs --instance ${instance.name}, then start it with: resource-postgres manage start --instance ${instance.name}`
        : `instance ${instance.name} is stopped on purpose (${how}); start it with: resource-postgres manage start --instance ${instance.name}`,
    );
    return `${instance.engine}${state.pid ? `, pid ${state.pid}` : state.containerId ? `, container ${state.containerId.slice(0, 12)}` : ''}`;
  });
}

/** The checks after "running": the published port, an authenticated query, the version. */
export async function smokeChecks(ctx: Context, instance: Instance): Promise<CheckResult[]> {
  const host = connectHost(instance.host);
  const checks = [
    await runCheck('smoke', 'TCP port accepts connections', async () => {
      const failure = await tcpCheck(host, instance.port, 3_000);
      expectThat(!failure, failure ?? '');
      return `${host}:${instance.port}`;
    }),
    await runCheck('smoke', 'authenticated SELECT 1', async () => {
      const r = await ctx.probe(instance, 10_000);
      expectThat(r.ok, r.message);
      return `as ${asAdmin(instance).user} on database ${instance.database}`;
    }),
    await runCheck('smoke', 'server version reported', async () => {
      const facts = await serverFacts(instance);
      expectThat(/^\d+(\.\d+)?/.test(facts.version), `unexpected server_version ${JSON.stringify(facts.version)}`);
      return `PostgreSQL ${facts.version}`;
    }),
  ];
  return checks;
}
