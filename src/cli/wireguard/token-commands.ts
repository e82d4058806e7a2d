// `sixpn wireguard token create|list|delete`: peer-only tokens of one org (and optionally one network), with an
// expiry, that can create and remove that org's peers and nothing else: what a CI job gets.

import type { Command } from '@commander-js/extra-typings';
import { checkLabel } from '../../core/names.ts';
import { tokenColumns } from '../commands/columns.ts';
import type { CliContext } from '../context.ts';
import { duration, flagOf, label, text } from '../flags.ts';

const orgArg = flagOf((v) => checkLabel('org name', v));
/** The lifetime of a peer token when none is given: long enough for a CI setup, short enough to matter. */
export const DEFAULT_PEER_TOKEN_EXPIRY = '30d';

/** Adds `token create|list|delete` under `wg` (the `sixpn wireguard` command). */
export function registerWireguardTokens(wg: Command, ctx: CliContext): void {
  const token = wg
    .command('token')
    .alias('tokens')
    .description('peer-only tokens (for CI): they can create and remove peers of one org, nothing else');

  token
    .command('create')
    .description('create a peer-only token and print its secret once')
    .argument('[org]', "org (default: the token's org, or org in sixpn.toml)", orgArg)
    .argument('[name]', 'a name to recognize it by (default: wireguard)', text('token name', 63))
    .option('--network <name>', 'limit it to the peers of this network', label('network name'))
    .option(
      '--expires <duration>',
      `lifetime like 90m, 24h, 30d (default ${DEFAULT_PEER_TOKEN_EXPIRY})`,
      duration,
    )
    .option('--json', 'print {token, secret} as JSON')
    .action(async (orgIn, nameIn, o) => {
      const org = await ctx.org(orgIn);
      const r = await (await ctx.client()).createToken({
        kind: 'peer',
        name: nameIn ?? 'wireguard',
        org,
        ...(o.network ? { network: o.network } : {}),
        expires_in: o.expires ?? DEFAULT_PEER_TOKEN_EXPIRY,
      });
      if (o.json) {
        ctx.json(r);
        return;
      }
      const net = r.token.network ? `, network ${r.token.network}` : '';
      ctx.out(
        `created peer token ${r.token.name} (id ${r.token.id}) for org ${r.token.org}${net}, expires ${r.token.expires_at ?? 'never'}`,
      );
      ctx.out(`token (shown once): ${r.secret}`);
      ctx.out(`use it with: SIXPN_TOKEN=<token> sixpn wireguard create ${org} REGION NAME stdout`);
    });

  token
    .command('list')
    .description("list an org's peer-only tokens (never their secrets)")
    .argument('[org]', "org (default: the token's org, or org in sixpn.toml)", orgArg)
    .option('--json', 'print a JSON array')
    .action(async (orgIn, o) => {
      const org = await ctx.org(orgIn);
      ctx.list(await (await ctx.client()).listTokens({ org, kind: 'peer' }), o.json, tokenColumns);
    });

  token
    .command('delete')
    .alias('revoke')
    .description('revoke a peer-only token')
    .argument('<id>', 'token id (see sixpn wireguard token list)', text('token id', 200))
    .action(async (id) => {
      await (await ctx.client()).deleteToken(id);
      ctx.out(`deleted token ${id}`);
    });
}
