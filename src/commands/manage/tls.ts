import type { Context } from '../../context.js';
import { CliError, describeError } from '../../core/errors.js';
import type { Instance, TlsMode } from '../../core/instance.js';
import { describeCert, issueServerCert, serverNames } from '../../core/tls/certs.js';
import {
  caPaths,
  ensureCa,
  readServerTls,
  removeServerTls,
  serverTlsPaths,
  writeServerTls,
} from '../../core/tls/store.js';
import { waitFor } from '../../core/wait.js';
import { presentedSerial } from '../../postgres/tls-probe.js';
import type { TlsOptions } from '../options.js';
import { type CommandResult, result } from '../result.js';

/**
 * `manage tls enable|disable|rotate`: the home's CA signs one certificate per instance; the
 * engine installs it and reloads the server. Rotation issues a new certificate (new key, new
 * serial) from the same CA, so clients that trust the CA keep connecting.
 */
export interface TlsData {
  /** The same fields as every manage result (ManageData), plus tls. */
  action: string;
  dry_run: boolean;
  instances: Array<{ name: string; result: string; message: string; port?: number; engine?: string }>;
  message: string;
  tls: { mode: TlsMode | 'off'; ca?: string; serial?: string; not_after?: string; applied: string };
}

/** A new certificate for the instance, from the home's CA (made on first need, under the home lock). */
export async function issueServerTls(ctx: Context, instance: Instance): Promise<string> {
  const ca = await ctx.registry.locked(() => ensureCa(ctx.home.dir));
  if (ca.created) ctx.talk.info(`made the CA of this home: ${caPaths(ctx.home.dir).cert}`);
  const cert = await issueServerCert(ca, instance.name, serverNames(instance.host));
  await writeServerTls(ctx.home.dir, instance.name, cert);
  return cert.serial;
}

/** A TLS instance whose certificate is missing (a create cut short) gets one before its server starts. */
export async function ensureServerTls(ctx: Context, instance: Instance): Promise<void> {
  if (!instance.tls) return;
  if (
    await readServerTls(ctx.home.dir, instance.name).then(
      () => true,
      () => false,
    )
  )
    return;
  await issueServerTls(ctx, instance);
}

export const tlsFields = (ctx: Context, mode: TlsMode | undefined) => ({
  tls: mode,
  tlsCa: mode ? caPaths(ctx.home.dir).cert : undefined,
});

function planMode(before: Instance, opts: TlsOptions): TlsMode | undefined {
  if (opts.action === 'disable') return undefined;
  if (opts.action === 'rotate' && !before.tls) {
    throw new CliError('usage', `instance ${before.name} has no TLS to rotate`, {
      hint: `enable it first: resource-postgres manage tls enable --instance ${before.name}`,
    });
  }
  if (opts.require === undefined) return before.tls ?? 'on';
  return opts.require ? 'required' : 'on';
}

export async function tls(ctx: Context, opts: TlsOptions): Promise<CommandResult<TlsData>> {
  await ctx.registry.get(opts.instance); // not found before anything happens
  return ctx.registry.lockedInstance(opts.instance, async () => {
    const before = await ctx.registry.get(opts.instance);
    const mode = planMode(before, opts);
    const name = before.name;
    const hasCert = await readServerTls(ctx.home.dir, name).then(
      () => true,
      () => false,
    );
    const issue = mode !== undefined && (opts.action === 'rotate' || !hasCert || !before.tls);
    const unchanged = mode === before.tls && !issue;
    const data = (message: string, result: string, applied: string, serial?: string): TlsData => ({
      action: `tls ${opts.action}`,
      dry_run: opts.dryRun,
      instances: [{ name, result, message, port: before.port, engine: before.engine }],
      message,
      tls: {
        mode: mode ?? 'off',
        ...(mode ? { ca: caPaths(ctx.home.dir).cert } : {}),
        applied,
        ...(serial ? { serial } : {}),
      },
    });
    if (unchanged) {
      const what = mode ? `TLS is already ${mode === 'required' ? 'required' : 'on'}` : 'TLS is already off';
      return result('manage', data(`instance ${name}: ${what}; nothing to do`, 'unchanged', 'none'));
    }
    if (opts.dryRun) {
      const plan = `would ${mode ? `${issue ? 'issue a certificate and ' : ''}set TLS ${mode}` : 'turn TLS off'} for instance ${name} and reload its server`;
      return result('manage', data(plan, 'planned', 'none'));
    }
    const engine = await ctx.engine(before.engine);
    if (!engine.applyTls) throw new CliError('engine', `the ${engine.name} engine cannot change TLS`);
    const serial = issue ? await issueServerTls(ctx, before) : undefined;
    const after: Instance = { ...before, ...tlsFields(ctx, mode) };
    await ctx.registry.locked(async () => {
      const fresh = await ctx.registry.get(name);
      await ctx.registry.save({ ...fresh, ...tlsFields(ctx, mode) });
    });
    const applied = await engine.applyTls(after);
    if (applied !== 'written') await waitApplied(ctx, after, serial);
    if (!mode) await removeServerTls(ctx.home.dir, name);
    const cert = mode ? await describeCert((await readServerTls(ctx.home.dir, name)).certPem) : undefined;
    const how = applied === 'written' ? 'applies at its next start' : `${applied} the server`;
    const message = mode
      ? `instance ${name}: TLS ${mode}${serial ? `, certificate ${serial}` : ''} (valid until ${cert!.notAfter.toISOString().slice(0, 10)}, CA ${caPaths(ctx.home.dir).cert}); ${how}`
      : `instance ${name}: TLS off; ${how}`;
    const out = data(
      message,
      opts.action === 'rotate' ? 'rotated' : opts.action === 'enable' ? 'enabled' : 'disabled',
      applied,
      cert?.serial,
    );
    if (cert) out.tls.not_after = cert.notAfter.toISOString();
    return result('manage', out);
  });
}

/** Until new connections see the new state: the new certificate when one was issued, else any answer. */
async function waitApplied(ctx: Context, instance: Instance, serial: string | undefined): Promise<void> {
  await waitFor(
    async () => {
      if (!serial) {
        const r = await ctx.probe(instance, 3_000);
        return r.ok ? undefined : r.message;
      }
      const seen = await presentedSerial(instance).catch((e: unknown) => describeError(e));
      return seen === serial ? undefined : `the server still presents ${seen ?? 'no certificate'}`;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 50,
      maxIntervalMs: 250,
      what: `instance ${instance.name} to use its new TLS settings`,
      hint: `see the server log: resource-postgres logs --instance ${instance.name} (files in ${serverTlsPaths(ctx.home.dir, instance.name).dir})`,
    },
  );
}
