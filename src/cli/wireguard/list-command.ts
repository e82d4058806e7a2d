// `sixpn wireguard list [org]`: an org's peers; with an admin token and no org given or implied, every org's
// peers with an ORG column (and the same rows as JSON with --json).

import type { Command } from '@commander-js/extra-typings';
import type { ApiClient } from '../../client/api-client.ts';
import { isSixpnError } from '../../core/errors.ts';
import type { Peer } from '../../core/model.ts';
import type { CliContext } from '../context.ts';
import { label } from '../flags.ts';
import type { Column } from '../output.ts';
import { orgArg } from './args.ts';

export const peerColumns: Column<Peer>[] = [
  { header: 'NAME', get: (p) => p.name },
  { header: 'NETWORK', get: (p) => p.network },
  { header: 'REGION', get: (p) => p.region },
  { header: 'GATEWAY', get: (p) => p.gateway },
  { header: 'ADDRESS', get: (p) => p.address },
  { header: 'CREATED', get: (p) => p.created_at },
];

/** The columns of a list that spans orgs: ORG first. */
export const peerColumnsWithOrg: Column<Peer>[] = [{ header: 'ORG', get: (p) => p.org }, ...peerColumns];

/**
 * The orgs to list: the one given, else the one the token, login file or sixpn.toml implies, else (admin
 * tokens only) every org; `all` says the last. Any other caller gets the usual "no org given" error.
 */
export async function orgsToList(
  ctx: CliContext,
  client: ApiClient,
  orgIn: string | undefined,
): Promise<{ orgs: string[]; all: boolean }> {
  try {
    return { orgs: [await ctx.org(orgIn)], all: false };
  } catch (e) {
    if (!isSixpnError(e) || e.details?.field !== 'org') throw e;
    if ((await client.whoami()).kind !== 'admin') throw e;
    return { orgs: (await client.listOrgs()).map((o) => o.name), all: true };
  }
}

/** Adds `list` under `wg` (the `sixpn wireguard` command). */
export function registerWireguardList(wg: Command, ctx: CliContext): void {
  wg.command('list')
    .description("list an org's peers (an admin token without an org: every org's)")
    .argument('[org]', "org (default: the token's org, or org in sixpn.toml; admins: every org)", orgArg)
    .option('--network <name>', 'only peers of this network', label('network name'))
    .option('--json', 'print a JSON array')
    .action(async (orgIn, o) => {
      const client = await ctx.client();
      const { orgs, all } = await orgsToList(ctx, client, orgIn);
      const lists = await Promise.all(orgs.map((org) => client.listPeers(org, o.network)));
      ctx.list(lists.flat(), o.json, all ? peerColumnsWithOrg : peerColumns);
    });
}
