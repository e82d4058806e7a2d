// `sixpn usage`: an org's private traffic per network, app, scope, region pair or peer, with a small chart.

import { invalid } from '../../core/errors.ts';
import { USAGE_BY } from '../../core/usage/query.ts';
import { label, text } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { formatUsage } from '../usage-format.ts';

export const registerUsage: CommandGroup = (program, ctx) => {
  program
    .command('usage')
    .description("an org's private traffic (bytes its instances and peers sent and received over the 6PN)")
    .option('--org <org>', "org (default: the token's org)", label('org name'))
    .option(
      '--from <time>',
      'start: ISO-8601, unix seconds or now-24h (default: 24 h before --to)',
      text('--from', 40),
    )
    .option('--to <time>', 'end: ISO-8601, unix seconds or now (default: now)', text('--to', 40))
    .option('--step <duration>', 'bucket size, at least 1m (default: about 60 points)', text('--step', 20))
    .option('--by <key>', `group by ${USAGE_BY.join(', ')}`, (v: string) => {
      if (!(USAGE_BY as readonly string[]).includes(v)) {
        throw invalid(`--by '${v}' is unknown: use one of ${USAGE_BY.join(', ')}`, { field: 'by' });
      }
      return v;
    })
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      "\nSENT is what the group's instances (or peers) sent, RECEIVED what they received: IPv6 packet lengths\n" +
        "before WireGuard, counted on the instances' hosts and the peers' gateways. Scopes: host (both ends on one\n" +
        "host), region (another host of the region; a peer: its gateway's region), interregion (another region).\n" +
        'Examples: sixpn usage --org acme --from now-1h --by scope; sixpn usage --org acme --by peer',
    )
    .action(async (o) => {
      const org = await ctx.org(o.org);
      const u = await (await ctx.client()).usage(org, { from: o.from, to: o.to, step: o.step, by: o.by });
      if (o.json) ctx.json(u);
      else ctx.out(formatUsage(org, u).trimEnd());
    });
};
