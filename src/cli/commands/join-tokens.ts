// `sixpn hosts join-token create|list|revoke` (admin): tokens a new host or gateway joins with (`sixpn agent join`).

import type { Command } from '@commander-js/extra-typings';
import { type JoinToken, joinTokenState } from '../../core/join-token.ts';
import type { CliContext } from '../context.ts';
import { duration, numberIn, regionCode } from '../flags.ts';
import type { Column } from '../output.ts';

const uses = numberIn('uses', 1, 10_000);

export function joinTokenColumns(now: Date): Column<JoinToken>[] {
  return [
    { header: 'ID', get: (t) => t.id },
    { header: 'REGION', get: (t) => t.region },
    { header: 'ROLE', get: (t) => t.role },
    { header: 'USED', get: (t) => `${t.used}/${t.uses}` },
    { header: 'EXPIRES', get: (t) => t.expires_at },
    { header: 'STATE', get: (t) => joinTokenState(t, now) },
  ];
}

/** Adds `join-token` to the `hosts` command. */
export function registerJoinTokens(hosts: Command, ctx: CliContext): void {
  const cmd = hosts
    .command('join-token')
    .description('tokens new hosts and gateways join with: `sixpn agent join URL TOKEN` (admin)');

  cmd
    .command('create')
    .description('create a join token and print it once; it carries the CA fingerprint of the control plane')
    .requiredOption('--region <code>', 'the region the joining hosts are in', regionCode)
    .option('--gateway', 'for gateways (`sixpn gateway join`) instead of hosts')
    .option('--expires <duration>', 'how long it can be used: 3600s, 90m, 1h, 7d', duration, '24h')
    .option('--uses <n>', 'how many hosts may join with it', uses, 1)
    .option('--json', 'print {join_token, token} as JSON')
    .action(async (o) => {
      const r = await (await ctx.client()).createJoinToken({
        region: o.region,
        role: o.gateway ? 'gateway' : 'host',
        expires_in: o.expires,
        uses: o.uses,
      });
      if (o.json) {
        ctx.json(r);
        return;
      }
      const t = r.join_token;
      ctx.io.stderr(
        `join token ${t.id} for ${t.uses} ${t.role}(s) of ${t.region}, until ${t.expires_at} (shown once):\n`,
      );
      ctx.out(r.token);
      const cmdName = t.role === 'gateway' ? 'gateway' : 'agent';
      ctx.io.stderr(
        `on the new machine, as root: SIXPN_JOIN_TOKEN=<token> sixpn ${cmdName} join <this control plane's https URL>\n`,
      );
    });

  cmd
    .command('list')
    .description('list join tokens (never their secrets)')
    .option('--json', 'print a JSON array')
    .action(async (o) => {
      const items = await (await ctx.client()).listJoinTokens();
      ctx.list(items, o.json, joinTokenColumns(new Date()));
    });

  cmd
    .command('revoke')
    .description('revoke a join token: no host can join with it any more')
    .argument('<id>', 'join token id (j…), as `list` shows')
    .action(async (id) => {
      await (await ctx.client()).revokeJoinToken(id);
      ctx.out(`revoked join token ${id}`);
    });
}
