// `sixpn apps create|list|show|delete`: apps of an org; `create` reads sixpn.toml of the current folder.

import { invalid } from '../../core/errors.ts';
import { checkAppName } from '../../core/names.ts';
import { label } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { appColumns } from './columns.ts';

const ORG = ['-o, --org <org>', "organization (default: the token's org, or org in sixpn.toml)"] as const;

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
    .option(...ORG, label('org name'))
    .option('--json', 'print the created app as JSON')
    .action(async (nameArg, o) => {
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
        ctx.io.stderr(
          `note: creating app ${nameArg} from the command line, not ${cfg.app} from sixpn.toml\n`,
        );
      }
      const org = await ctx.org(o.org);
      const network = o.network ?? cfg?.network;
      const privateNetwork = o.privateNetwork === true || cfg?.private_network === true;
      const app = await (await ctx.client()).createApp(org, {
        name,
        ...(network ? { network } : {}),
        private_network: privateNetwork,
      });
      if (o.json) ctx.json(app);
      else {
        const pn = app.private_network ? 'private networking on' : 'private networking off';
        ctx.out(`created app ${app.name} in org ${app.org}, network ${app.network} (${pn})`);
      }
    });

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
      ctx.show(await (await ctx.client()).getApp(org, name), o.json);
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
