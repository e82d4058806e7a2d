// `sixpn wireguard create|list|remove|status` and `sixpn wireguard token …`: WireGuard peers (a laptop, a CI job)
// that join an org's 6PN through a gateway. The key pair is made here; only the public key is sent.

import type { CommandGroup } from '../run.ts';
import { orgAndName } from '../wireguard/args.ts';
import { registerWireguardCreate } from '../wireguard/create-command.ts';
import { registerWireguardList } from '../wireguard/list-command.ts';
import { formatPeerStatus } from '../wireguard/peer-status.ts';
import { registerWireguardTokens } from '../wireguard/token-commands.ts';

export const registerWireguard: CommandGroup = (program, ctx) => {
  const wg = program
    .command('wireguard')
    .alias('wg')
    .description('WireGuard peers: join a laptop or a CI job to an org network through a gateway');

  registerWireguardCreate(wg, ctx);
  registerWireguardList(wg, ctx);

  wg.command('remove')
    .alias('delete')
    .description('remove a peer; its gateway drops it at once')
    .argument('[org]', "org (default: the token's org, or org in sixpn.toml)")
    .argument('[name]', 'peer name (one argument alone is the name)')
    .action(async (a, b) => {
      const { org, name } = await orgAndName(ctx, a, b);
      await (await ctx.client()).deletePeer(org, name);
      ctx.out(`removed peer ${name} of org ${org}`);
    });

  wg.command('status')
    .description(
      "a peer's gateway, endpoint seen, last handshake, traffic, and when the gateway installed it",
    )
    .argument('[org]', "org (default: the token's org, or org in sixpn.toml)")
    .argument('[name]', 'peer name (one argument alone is the name)')
    .option('--json', 'print JSON')
    .action(async (a, b, o) => {
      const { org, name } = await orgAndName(ctx, a, b);
      const s = await (await ctx.client()).peerStatus(org, name);
      if (o.json) ctx.json(s);
      else ctx.show(formatPeerStatus(s, Date.now()), false);
    });

  registerWireguardTokens(wg, ctx);
};
