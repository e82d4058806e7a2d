// `sixpn checks list [APP]`: the last status of each instance's health checks, the failing ones first.

import { label } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { checkStatusColumns } from './columns.ts';

const ORG = ['-o, --org <org>', "organization (default: the token's org, or org in sixpn.toml)"] as const;

export const registerChecks: CommandGroup = (program, ctx) => {
  const checks = program
    .command('checks')
    .description("health checks of apps' instances, as their hosts report them");
  checks
    .command('list')
    .description('the last status of each check, failing first')
    .argument('[app]', 'only this app', label('app name'))
    .option(...ORG, label('org name'))
    .option('--json', 'print a JSON array')
    .action(async (app, o) => {
      const org = app === undefined ? await ctx.orgFilter(o.org) : await ctx.org(o.org);
      const items = await (await ctx.client()).listChecks({ org, app });
      ctx.list(items, o.json, checkStatusColumns);
    });
};
