import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { resourceMeta } from '../../core/resource-meta.js';
import { getTemplate, TEMPLATE_NAMES } from '../../core/templates.js';
import { type CheckResult, expectThat, runCheck } from './check.js';

/**
 * Checks that need no live instance: the embedded configuration and templates load, every
 * instance.conf in the home parses, and the port registry is consistent.
 */
export async function unitChecks(ctx: Context): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const check = async (name: string, fn: () => Promise<string | void>) =>
    checks.push(await runCheck('unit', name, fn, 60_000));

  await check('configuration loads (resource.yaml, defaults)', async () => {
    const meta = resourceMeta();
    expectThat(
      meta.startup_timeout > 0 && meta.recovery_attempts >= 1,
      `resource.yaml: startup_timeout ${meta.startup_timeout}, recovery_attempts ${meta.recovery_attempts}`,
    );
    expectThat(
      DEFAULTS.portRangeStart <= DEFAULTS.preferredPort && DEFAULTS.preferredPort <= DEFAULTS.portRangeEnd,
      'the preferred port is outside the port range',
    );
    return `home ${ctx.home.dir} (${ctx.home.source})`;
  });
  await check('templates load', async () => {
    for (const name of TEMPLATE_NAMES) {
      const t = getTemplate(name);
      expectThat(Object.keys(t.settings).length > 0, `template ${name} has no settings`);
      expectThat(Boolean(t.container.memory && t.container.cpus > 0), `template ${name} has no container limits`);
    }
    return TEMPLATE_NAMES.join(', ');
  });
  const entries = await ctx.registry.list().catch((e: Error) => e);
  await check('every instance.conf parses', async () => {
    if (entries instanceof Error) throw entries;
    const broken = entries.filter((e) => 'error' in e);
    expectThat(broken.length === 0, broken.map((b) => ('error' in b ? b.error.message : '')).join('; '));
    return `${entries.length} instance(s)`;
  });
  await check('port registry consistent', async () => {
    if (entries instanceof Error) throw entries;
    const byPort = new Map<number, string[]>();
    for (const e of entries) {
      if ('error' in e) continue;
      expectThat(
        e.port >= DEFAULTS.portRangeStart && e.port <= DEFAULTS.portRangeEnd,
        `instance ${e.name} has port ${e.port}, outside ${DEFAULTS.portRangeStart}-${DEFAULTS.portRangeEnd}`,
      );
      expectThat(getTemplateName(e.template), `instance ${e.name} names an unknown template ${e.template}`);
      byPort.set(e.port, [...(byPort.get(e.port) ?? []), e.name]);
    }
    const shared = [...byPort].filter(([, names]) => names.length > 1);
    expectThat(
      shared.length === 0,
      shared.map(([port, names]) => `port ${port} is claimed by ${names.join(' and ')}`).join('; '),
    );
    return `${byPort.size} port(s) claimed, none shared`;
  });
  return checks;
}

function getTemplateName(name: string): boolean {
  return TEMPLATE_NAMES.includes(name);
}
