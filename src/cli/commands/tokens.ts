// `sixpn tokens create|list|delete`: admin, org and peer-only API tokens; a secret is shown once, at creation.

import { Option } from '@commander-js/extra-typings';
import { duration, label, text } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { tokenColumns } from './columns.ts';

const KINDS = ['org', 'peer', 'admin'] as const;

export const registerTokens: CommandGroup = (program, ctx) => {
  const tokens = program
    .command('tokens')
    .description('API tokens: admin, org-scoped, or peer-only (for CI)');

  tokens
    .command('create')
    .description('create a token and print its secret once')
    .argument('<name>', 'a name to recognize it by, like ci-deploy', text('token name', 63))
    .addOption(new Option('--kind <kind>', 'what it may do').choices(KINDS).default('org' as const))
    .option(
      '-o, --org <org>',
      "its org (org and peer tokens; default: the token's org, or org in sixpn.toml)",
      label('org name'),
    )
    .option('--network <name>', 'peer tokens: limit to this network', label('network name'))
    .option('--expires <duration>', 'lifetime like 90m, 24h, 30d (peer tokens default to 30d)', duration)
    .option('--json', 'print {token, secret} as JSON')
    .action(async (name, o) => {
      const org = o.kind === 'admin' ? undefined : await ctx.org(o.org);
      const r = await (await ctx.client()).createToken({
        kind: o.kind,
        name,
        ...(org ? { org } : {}),
        ...(o.network ? { network: o.network } : {}),
        ...(o.expires ? { expires_in: o.expires } : {}),
      });
      if (o.json) {
        ctx.json(r);
        return;
      }
      const scope = r.token.org
        ? ` for org ${r.token.org}${r.token.network ? `, network ${r.token.network}` : ''}`
        : '';
      const expiry = r.token.expires_at ? `, expires ${r.token.expires_at}` : '';
      ctx.out(`created ${r.token.kind} token ${r.token.name} (id ${r.token.id})${scope}${expiry}`);
      ctx.out(`token (shown once): ${r.secret}`);
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('-o, --org <org>', 'only tokens of this org', label('org name'))
    .addOption(
      new Option('--kind <kind>', 'only tokens of this kind').choices([
        'admin',
        'org',
        'peer',
        'host',
        'gateway',
      ] as const),
    )
    .option('--json', 'print a JSON array')
    .action(async (o) => {
      const items = await (await ctx.client()).listTokens({ org: o.org, kind: o.kind });
      ctx.list(items, o.json, tokenColumns);
    });

  tokens
    .command('delete')
    .description('revoke a token')
    .argument('<id>', 'token id (see sixpn tokens list)', text('token id', 200))
    .action(async (id) => {
      await (await ctx.client()).deleteToken(id);
      ctx.out(`deleted token ${id}`);
    });
};
