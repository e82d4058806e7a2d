// `sixpn hosts create|list|show|delete|rotate-token|join-token|allow|disallow|grants`: the machines that run
// instances, how new ones join, and which orgs or networks each may place instances for on itself (its agent's
// socket: `sixpn run`, the CNI plugin).

import type { HostGrant } from '../../core/model.ts';
import { label } from '../flags.ts';
import type { Column } from '../output.ts';
import type { CommandGroup } from '../run.ts';
import { hostColumns } from './columns.ts';
import { registerJoinTokens } from './join-tokens.ts';
import { registerMachines } from './machines.ts';

const grantColumns: Column<HostGrant>[] = [
  { header: 'HOST', get: (g) => g.host },
  { header: 'ORG', get: (g) => g.org },
  { header: 'NETWORK', get: (g) => g.network ?? '(all)' },
  { header: 'CREATED', get: (g) => g.created_at },
];

export const registerHosts: CommandGroup = (program, ctx) => {
  const cmd = registerMachines(program, ctx, {
    group: 'hosts',
    noun: 'host',
    description: 'machines that run instances (each runs `sixpn agent`)',
    columns: hostColumns,
    create: async (c, body) => {
      const r = await c.createHost(body);
      return { machine: r.host, token: r.token };
    },
    list: (c) => c.listHosts(),
    get: (c, name) => c.getHost(name),
    remove: (c, name) => c.deleteHost(name),
    runWith: (name, region) => `sixpn agent --host ${name} --region ${region} --endpoint <ip>:51820`,
  });
  const hostName = label('host name');
  cmd
    .command('allow')
    .description("let a host create and remove instances of an org's apps on itself (admin)")
    .argument('<host>', 'host name', hostName)
    .requiredOption('--org <org>', 'the org whose apps it may run', label('org'))
    .option(
      '--network <network>',
      'only apps of this network (default: every network of the org)',
      label('network'),
    )
    .option('--json', 'print the grant as JSON')
    .action(async (host, o) => {
      const g = await (await ctx.client()).allowHost(host, {
        org: o.org,
        ...(o.network === undefined ? {} : { network: o.network }),
      });
      if (o.json) ctx.json(g);
      else
        ctx.out(
          `host ${g.host} may place instances of ${g.org}${g.network ? ` (network ${g.network})` : ''}`,
        );
    });
  cmd
    .command('disallow')
    .description('take a grant back; instances already placed stay (admin)')
    .argument('<host>', 'host name', hostName)
    .requiredOption('--org <org>', 'org of the grant', label('org'))
    .option(
      '--network <network>',
      'the one-network grant to remove (default: the org-wide one)',
      label('network'),
    )
    .action(async (host, o) => {
      await (await ctx.client()).disallowHost(host, o.org, o.network);
      ctx.out(
        `host ${host} no longer has the grant for ${o.org}${o.network ? ` (network ${o.network})` : ''}`,
      );
    });
  cmd
    .command('grants')
    .description('list what a host may place on itself')
    .argument('<host>', 'host name', hostName)
    .option('--json', 'print a JSON array')
    .action(async (host, o) =>
      ctx.list(await (await ctx.client()).listHostGrants(host), o.json, grantColumns),
    );
  registerJoinTokens(cmd, ctx);
};
