// `sixpn networks create|list|show|delete`: an org's isolated /48 networks.

import { label } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { networkColumns } from './columns.ts';

const ORG = ['-o, --org <org>', "organization (default: the token's org, or org in sixpn.toml)"] as const;

export const registerNetworks: CommandGroup = (program, ctx) => {
  const networks = program.command('networks').description("an org's private networks, one /48 each");

  networks
    .command('create')
    .description('create a network in an org')
    .argument('<name>', 'network name: a DNS label like staging', label('network name'))
    .option(...ORG, label('org name'))
    .option('--json', 'print the created network as JSON')
    .action(async (name, o) => {
      const org = await ctx.org(o.org);
      const net = await (await ctx.client()).createNetwork(org, name);
      if (o.json) ctx.json(net);
      else ctx.out(`created network ${net.name} in org ${net.org}: ${net.prefix}, DNS ${net.dns}`);
    });

  networks
    .command('list')
    .description("list an org's networks")
    .option(...ORG, label('org name'))
    .option('--json', 'print a JSON array')
    .action(async (o) => {
      const org = await ctx.org(o.org);
      ctx.list(await (await ctx.client()).listNetworks(org), o.json, networkColumns);
    });

  networks
    .command('show')
    .description('show one network')
    .argument('<name>', 'network name', label('network name'))
    .option(...ORG, label('org name'))
    .option('--json', 'print JSON')
    .action(async (name, o) => {
      const org = await ctx.org(o.org);
      ctx.show(await (await ctx.client()).getNetwork(org, name), o.json);
    });

  networks
    .command('delete')
    .description('delete a network (its id is never reused)')
    .argument('<name>', 'network name', label('network name'))
    .option(...ORG, label('org name'))
    .action(async (name, o) => {
      const org = await ctx.org(o.org);
      await (await ctx.client()).deleteNetwork(org, name);
      ctx.out(`deleted network ${name} of org ${org}`);
    });
};
