import type { Context } from '../../context.js';
import { CliError, describeError } from '../../core/errors.js';
import { type CheckResult, type SelftestData, type Suite, summarize } from './check.js';
import { integrationChecks } from './integration.js';
import { runningCheck, smokeChecks } from './smoke.js';
import { unitChecks } from './unit.js';
import { result } from '../result.js';

export interface SelftestOptions {
  suite: Suite | 'all';
  instance: string;
}

/**
 * `test smoke|integration|unit|all`: the checks shipped in the program. Exit 0 when all pass,
 * 1 when any fails (an instance that should run but does not is a failed check), 2 when a
 * live suite cannot run because there is no such instance or it was stopped on purpose (said
 * on its own FAIL line). unit runs first in `all` because it needs no instance.
 */
export async function selftest(ctx: Context, opts: SelftestOptions) {
  const suites: Suite[] = opts.suite === 'all' ? ['unit', 'smoke', 'integration'] : [opts.suite];
  const checks: CheckResult[] = [];
  if (suites.includes('unit')) checks.push(...(await unitChecks(ctx)));
  const live = suites.filter((s) => s !== 'unit');
  if (!live.length) return done(opts, checks, true);

  let instance;
  try {
    instance = await ctx.registry.find(opts.instance);
  } catch (e) {
    checks.push({
      suite: live[0]!,
      name: 'instance exists',
      status: 'fail',
      duration_ms: 0,
      reason: e instanceof CliError ? e.message : describeError(e),
    });
    return done(opts, checks, false);
  }
  if (!instance) {
    checks.push({
      suite: live[0]!,
      name: 'instance exists',
      status: 'fail',
      duration_ms: 0,
      reason: `no instance named ${opts.instance} in ${ctx.home.dir}; create it with: resource-postgres manage start --instance ${opts.instance}`,
    });
    return done(opts, checks, false);
  }
  const engine = await ctx.engine(instance.engine);
  const running = await runningCheck(engine, instance);
  checks.push(running);
  // A crash is what a pipeline's smoke test exists to catch: a failure (1), not "cannot run" (2).
  if (running.status === 'fail') return done(opts, checks, instance.desiredState === 'running');
  if (live.includes('smoke')) checks.push(...(await smokeChecks(ctx, instance)));
  if (live.includes('integration')) checks.push(...(await integrationChecks(ctx, engine, instance)));
  return done(opts, checks, true);
}

function done(opts: SelftestOptions, checks: CheckResult[], available: boolean) {
  const data: SelftestData = summarize(opts.suite, opts.instance, checks, available);
  return result('selftest', data, !available ? 2 : data.failed > 0 ? 1 : 0);
}
