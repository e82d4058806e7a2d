// `sixpn orgs create|list|show|delete`: organizations (each gets its `default` network).

import { label } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { orgColumns } from './columns.ts';

export const registerOrgs: CommandGroup = (program, ctx) => {
  const orgs = program.command('orgs').description('organizations: tenants with their own private networks');

  orgs
    .command('create')
    .description('create an organization and its default network (admin)')
    .argument('<name>', 'org name: a DNS label like acme', label('org name'))
    .option('--json', 'print the created org as JSON')
    .action(async (name, o) => {
      const org = await (await ctx.client()).createOrg(name);
      if (o.json) ctx.json(org);
      else ctx.out(`created org ${org.name} (with network default)`);
    });

  orgs
    .command('list')
    .description('list organizations')
    .option('--json', 'print a JSON array')
    .action(async (o) => ctx.list(await (await ctx.client()).listOrgs(), o.json, orgColumns));

  orgs
    .command('show')
    .description('show one organization')
    .argument('<name>', 'org name', label('org name'))
    .option('--json', 'print JSON')
    .action(async (name, o) => ctx.show(await (await ctx.client()).getOrg(name), o.json));

  orgs
    .command('delete')
    .description('delete an organization')
    .argument('<name>', 'org name', label('org name'))
    .action(async (name) => {
      await (await ctx.client()).deleteOrg(name);
      ctx.out(`deleted org ${name}`);
    });
};
