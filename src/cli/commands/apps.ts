// `sixpn apps create|update|list|show|delete`: apps of an org; `create` and `update` read sixpn.toml of the
// current folder (its [[checks]] among the rest).

import { checkInput, describeCheck } from '../../core/checks.ts';
import { invalid } from '../../core/errors.ts';
import type { App } from '../../core/model.ts';
import { checkAppName } from '../../core/names.ts';
import type { CliContext } from '../context.ts';
import { label } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { appColumns } from './columns.ts';

const ORG = ['-o, --org <org>', "organization (default: the token's org, or org in sixpn.toml)"] as const;

/** `: service address X (svc.<app>.internal)`, or nothing. */
function serviceLine(app: App): string {
  return app.service_address ? `; service address ${app.service_address} (svc.${app.name}.internal)` : '';
}

/** The flags of `apps create`. */
interface CreateFlags {
  network?: string;
  privateNetwork?: true;
  serviceAddress?: true;
  org?: string;
  json?: true;
}

async function createApp(ctx: CliContext, nameArg: string | undefined, o: CreateFlags): Promise<void> {
  const cfg = await ctx.readAppConfig();
  const name = nameArg ?? cfg?.app;
  if (name === undefined) {
    throw invalid(
      'no app name: pass one (sixpn apps create NAME) or run where a sixpn.toml says app = "NAME"',
      {
        field: 'name',
      },
    );
  }
  checkAppName('app name', name);
  if (nameArg !== undefined && cfg && cfg.app !== nameArg) {
    ctx.io.stderr(`note: creating app ${nameArg} from the command line, not ${cfg.app} from sixpn.toml\n`);
  }
  const org = await ctx.org(o.org);
  const network = o.network ?? cfg?.network;
  const privateNetwork = o.privateNetwork === true || cfg?.private_network === true;
  const service = o.serviceAddress === true || cfg?.service_address === true;
  if (service && !privateNetwork) {
    throw invalid(
      '--service-address needs private networking: add --private-network (or private_network = true in sixpn.toml)',
      { field: 'service_address' },
    );
  }
  const app = await (await ctx.client()).createApp(org, {
    name,
    ...(network ? { network } : {}),
    private_network: privateNetwork,
    ...(service ? { service_address: true } : {}),
    ...(cfg?.checks ? { checks: cfg.checks.map(checkInput) } : {}),
  });
  if (o.json) ctx.json(app);
  else {
    const pn = app.private_network ? 'private networking on' : 'private networking off';
    ctx.out(`created app ${app.name} in org ${app.org}, network ${app.network} (${pn})${serviceLine(app)}`);
    for (const c of app.checks ?? []) ctx.out(`  check ${describeCheck(c)}`);
  }
}

/** The flags of `apps update`. */
interface UpdateFlags {
  serviceAddress?: boolean;
  checks: boolean;
  org?: string;
  json?: true;
}

/** `apps update`: the checks of ./sixpn.toml (or none with --no-checks) and the service-address flags. */
async function updateApp(ctx: CliContext, nameArg: string | undefined, o: UpdateFlags): Promise<void> {
  const cfg = await ctx.readAppConfig();
  const name = nameArg ?? cfg?.app;
  if (name === undefined) {
    throw invalid(
      'no app name: pass one (sixpn apps update NAME) or run where a sixpn.toml says app = "NAME"',
      {
        field: 'name',
      },
    );
  }
  const checks = o.checks === false ? [] : cfg?.checks;
  if (checks === undefined && o.serviceAddress === undefined) {
    throw invalid(
      'nothing to change: pass --service-address or --no-service-address, add [[checks]] to sixpn.toml, or pass --no-checks',
      { field: 'checks' },
    );
  }
  const org = await ctx.org(o.org);
  const app = await (await ctx.client()).updateApp(org, name, {
    ...(checks ? { checks: checks.map(checkInput) } : {}),
    ...(o.serviceAddress !== undefined ? { service_address: o.serviceAddress } : {}),
  });
  if (o.json) return ctx.json(app);
  const n = app.checks?.length ?? 0;
  const health = n === 0 ? 'no health checks' : `${n} health check${n === 1 ? '' : 's'}`;
  const service = serviceLine(app).replace(/^; /, '') || 'no service address';
  const what = [...(o.serviceAddress !== undefined ? [service] : []), ...(checks ? [health] : [])];
  ctx.out(`updated app ${app.name} of org ${app.org}: ${what.join('; ')}`);
  for (const c of app.checks ?? []) ctx.out(`  check ${describeCheck(c)}`);
}

export const registerApps: CommandGroup = (program, ctx) => {
  const apps = program.command('apps').description("an org's apps; each belongs to one network for life");
  const appName = label('app name');

  apps
    .command('create')
    .description('create an app (settings from ./sixpn.toml when present; flags win)')
    .argument('[name]', 'app name: a DNS label (default: app in sixpn.toml)', appName)
    .option(
      '--network <name>',
      'network of the app (default: network in sixpn.toml, else default)',
      label('network name'),
    )
    .option(
      '--private-network',
      'give instances 6PN addresses and .internal names (sixpn.toml: [experimental] private_network = true)',
    )
    .option(
      '--service-address',
      'give the app a load-balanced service address, svc.<app>.internal (sixpn.toml: service_address = true)',
    )
    .option(...ORG, label('org name'))
    .option('--json', 'print the created app as JSON')
    .action((nameArg, o) => createApp(ctx, nameArg, o));

  apps
    .command('update')
    .description(
      "change an app: ./sixpn.toml's [[checks]] (they apply to its running instances at once), its service address",
    )
    .argument('[name]', 'app name (default: app in sixpn.toml)', appName)
    .option('--no-checks', 'remove every health check of the app')
    .option('--service-address', 'give the app a load-balanced service address (kept when it has one)')
    .option('--no-service-address', 'take its service address away (the address is never given out again)')
    .option(...ORG, label('org name'))
    .option('--json', 'print the app as JSON')
    .action((nameArg, o) => updateApp(ctx, nameArg, o));

  apps
    .command('list')
    .description("list an org's apps")
    .option(...ORG, label('org name'))
    .option('--json', 'print a JSON array')
    .action(async (o) => {
      const org = await ctx.org(o.org);
      ctx.list(await (await ctx.client()).listApps(org), o.json, appColumns);
    });

  apps
    .command('show')
    .description('show one app')
    .argument('<name>', 'app name', appName)
    .option(...ORG, label('org name'))
    .option('--json', 'print JSON')
    .action(async (name, o) => {
      const org = await ctx.org(o.org);
      const app = await (await ctx.client()).getApp(org, name);
      if (o.json) return ctx.json(app);
      const { checks, ...rest } = app;
      ctx.show(rest, false);
      if (!checks?.length) ctx.out('checks: none');
      for (const c of checks ?? []) ctx.out(`check ${describeCheck(c)}`);
    });

  apps
    .command('delete')
    .description('delete an app and all its instances')
    .argument('<name>', 'app name', appName)
    .option(...ORG, label('org name'))
    .action(async (name, o) => {
      const org = await ctx.org(o.org);
      await (await ctx.client()).deleteApp(org, name);
      ctx.out(`deleted app ${name} of org ${org} and its instances`);
    });
};
