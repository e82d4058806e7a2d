// `sixpn wireguard create [org] [region] [name] [file]`: its arguments, flags and help; what it does is in
// create.ts, imported when it runs.

import type { Command } from '@commander-js/extra-typings';
import type { CliContext } from '../context.ts';
import { label } from '../flags.ts';
import { orgArg, peerName, regionArg } from './args.ts';

/** Adds `create` under `wg` (the `sixpn wireguard` command). */
export function registerWireguardCreate(wg: Command, ctx: CliContext): void {
  wg.command('create')
    .description('make a key pair here, add the peer on a gateway, and write its wg-quick file (0600)')
    .argument('[org]', "org (default: the token's org, or org in sixpn.toml)", orgArg)
    .argument(
      '[region]',
      'region (default: SIXPN_WG_REGION, else the gateway nearest SIXPN_REGION)',
      regionArg,
    )
    .argument('[name]', 'peer name: letters, digits, "-" (default: <user>-<host>-<random>)', peerName)
    .argument(
      '[file]',
      "where to write the config (default: ./<name>.conf, short enough for wg-quick); 'stdout' prints it",
    )
    .option('--network <name>', 'network of the org to join (default: default)', label('network name'))
    .option('--qr', 'also print a QR code of the config for the WireGuard phone apps')
    .addHelpText(
      'after',
      '\nThe private key is made on this machine and written only to the file; the control plane gets the public key.',
    )
    .action(async (orgIn, regionIn, nameIn, fileIn, o) => {
      const { createWireguardPeer } = await import('./create.ts');
      await createWireguardPeer(ctx, orgIn, regionIn, nameIn, fileIn, o);
    });
}
