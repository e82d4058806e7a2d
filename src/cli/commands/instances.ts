// `sixpn instances create|list|show|delete|start|stop`: running copies of an app, each on one host.

import { invalid } from '../../core/errors.ts';
import type { Instance } from '../../core/model.ts';
import type { CliContext } from '../context.ts';
import { instanceId, label, regionCode } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { instanceColumnsWithChecks } from './columns.ts';

const ORG = ['-o, --org <org>', "organization (default: the token's org, or org in sixpn.toml)"] as const;

function summary(i: Instance): string {
  const addr = i.address ? `, address ${i.address}` : ' (no private network)';
  return `instance ${i.id} of app ${i.app} on host ${i.host} in ${i.region}: ${i.state}${addr}`;
}

async function appOf(ctx: CliContext, flag: string | undefined): Promise<string> {
  const app = flag ?? (await ctx.readAppConfig())?.app;
  if (app === undefined)
    throw invalid('no app given: pass --app APP or run where sixpn.toml says app = "…"', { field: 'app' });
  return app;
}

export const registerInstances: CommandGroup = (program, ctx) => {
  const instances = program.command('instances').description('instances of apps, placed on hosts');

  instances
    .command('create')
    .description('create an instance on the least-loaded host of a region (or --host)')
    .option('--app <name>', 'app (default: app in sixpn.toml)', label('app name'))
    .requiredOption('--region <code>', 'region code, like ord', regionCode)
    .option('--host <name>', 'place it on this host instead', label('host name'))
    .option('--stopped', 'create it stopped')
    .option(...ORG, label('org name'))
    .option('--json', 'print the created instance as JSON')
    .action(async (o) => {
      const app = await appOf(ctx, o.app);
      const org = await ctx.org(o.org);
      const inst = await (await ctx.client()).createInstance(org, app, {
        region: o.region,
        ...(o.host ? { host: o.host } : {}),
        ...(o.stopped ? { state: 'stopped' as const } : {}),
      });
      if (o.json) ctx.json(inst);
      else ctx.out(`created ${summary(inst)}`);
    });

  instances
    .command('list')
    .description('list instances (filters combine)')
    .option('--app <name>', 'only this app', label('app name'))
    .option('--host <name>', 'only on this host', label('host name'))
    .option('--region <code>', 'only in this region', regionCode)
    .option(...ORG, label('org name'))
    .option('--json', 'print a JSON array')
    .action(async (o) => {
      const org = await ctx.orgFilter(o.org);
      const client = await ctx.client();
      const items = await client.listInstances({ org, app: o.app, host: o.host, region: o.region });
      if (o.json) return ctx.json(items);
      // CHECKS needs to know which apps have checks: one list of apps per org shown.
      const checked = new Map<string, boolean>();
      for (const name of new Set(items.map((i) => i.org))) {
        for (const a of await client.listApps(name))
          checked.set(`${a.org}\0${a.name}`, (a.checks?.length ?? 0) > 0);
      }
      ctx.list(items, false, instanceColumnsWithChecks(checked));
    });

  instances
    .command('show')
    .description('show one instance')
    .argument('<id>', 'instance id (8 hex digits)', instanceId)
    .option('--json', 'print JSON')
    .action(async (id, o) => {
      const client = await ctx.client();
      const inst = await client.getInstance(id);
      const checks = await client.listChecks({ instance: id });
      if (o.json) return ctx.json({ ...inst, checks });
      ctx.show(inst, false);
      for (const c of checks) ctx.out(`check ${c.check}: ${c.status} since ${c.since}: ${c.output}`);
    });

  instances
    .command('delete')
    .description('delete an instance')
    .argument('<id>', 'instance id', instanceId)
    .action(async (id) => {
      await (await ctx.client()).deleteInstance(id);
      ctx.out(`deleted instance ${id}`);
    });

  for (const verb of ['start', 'stop'] as const) {
    instances
      .command(verb)
      .description(`${verb} an instance (its DNS names follow)`)
      .argument('<id>', 'instance id', instanceId)
      .option('--json', 'print the instance as JSON')
      .action(async (id, o) => {
        const c = await ctx.client();
        const inst = verb === 'start' ? await c.startInstance(id) : await c.stopInstance(id);
        if (o.json) ctx.json(inst);
        else ctx.out(summary(inst));
      });
  }
};
