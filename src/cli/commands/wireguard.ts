// `sixpn wireguard create|list|remove|status` and `sixpn wireguard token …`: WireGuard peers (a laptop, a CI job)
// that join an org's 6PN through a gateway. The key pair is made here; only the public key is sent.

import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { invalid } from '../../core/errors.ts';
import type { Peer } from '../../core/model.ts';
import { checkLabel, checkRegion, PEER_NAME_RE } from '../../core/names.ts';
import { generateKeyPair } from '../../core/wg/keys.ts';
import type { CliContext } from '../context.ts';
import { flagOf, label } from '../flags.ts';
import type { Column } from '../output.ts';
import type { CommandGroup } from '../run.ts';
import { type NewFile, reserveFile } from '../wireguard/new-file.ts';
import {
  defaultConfigFile,
  defaultPeerName,
  renderPeerConfig,
  wgQuickInterfaceOf,
} from '../wireguard/peer-config.ts';
import { formatPeerStatus } from '../wireguard/peer-status.ts';
import { terminalQr } from '../wireguard/qr.ts';
import { chooseRegion } from '../wireguard/region-choice.ts';
import { registerWireguardTokens } from '../wireguard/token-commands.ts';

const orgArg = flagOf((v) => checkLabel('org name', v));
const regionArg = flagOf((v) => checkRegion('region', v));
const peerName = flagOf((v) => {
  if (!PEER_NAME_RE.test(v)) {
    throw invalid(`peer name '${v}' is not valid: use letters, digits and "-", 1–63 characters`, {
      field: 'name',
    });
  }
  return v.toLowerCase();
});

export const peerColumns: Column<Peer>[] = [
  { header: 'NAME', get: (p) => p.name },
  { header: 'NETWORK', get: (p) => p.network },
  { header: 'REGION', get: (p) => p.region },
  { header: 'GATEWAY', get: (p) => p.gateway },
  { header: 'ADDRESS', get: (p) => p.address },
  { header: 'CREATED', get: (p) => p.created_at },
];

/** `[org] [name]` where one argument alone is the name (the org then comes from the token or sixpn.toml). */
async function orgAndName(ctx: CliContext, a: string | undefined, b: string | undefined) {
  const [org, name] = b === undefined ? [undefined, a] : [a, b];
  if (name === undefined) {
    throw invalid('which peer? pass its name (see `sixpn wireguard list`)', { field: 'name' });
  }
  return { org: await ctx.org(org === undefined ? undefined : orgArg(org)), name: peerName(name) };
}

/** The caller's own region: SIXPN_REGION, else `region` in the login file. */
async function homeRegion(ctx: CliContext): Promise<string | undefined> {
  const env = ctx.io.env.SIXPN_REGION?.trim();
  if (env) return env;
  return (await ctx.readLoginFile().catch(() => undefined))?.region;
}

function localUser(ctx: CliContext): string | undefined {
  if (ctx.io.env.USER) return ctx.io.env.USER;
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export const registerWireguard: CommandGroup = (program, ctx) => {
  const wg = program
    .command('wireguard')
    .alias('wg')
    .description('WireGuard peers: join a laptop or a CI job to an org network through a gateway');

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
      const client = await ctx.client();
      const org = await ctx.org(orgIn);
      const [gateways, regions, home] = await Promise.all([
        client.listGateways(),
        client.listRegions(),
        homeRegion(ctx),
      ]);
      const choice = chooseRegion({
        arg: regionIn,
        wgEnv: ctx.io.env.SIXPN_WG_REGION,
        home,
        regions,
        gateways,
      });
      const name =
        nameIn ?? defaultPeerName(localUser(ctx), hostname(), randomBytes(2).toString('hex').slice(0, 4));
      const toStdout = fileIn === 'stdout';
      const fileName = fileIn ?? defaultConfigFile(name);
      const file: NewFile | undefined = toStdout
        ? undefined
        : await reserveFile(resolve(ctx.io.cwd, fileName));
      const info = (line: string) => (toStdout ? ctx.io.stderr(`${line}\n`) : ctx.out(line));
      try {
        const keys = generateKeyPair();
        const created = await client.createPeer(org, {
          name,
          region: choice.region,
          public_key: keys.publicKey,
          ...(o.network ? { network: o.network } : {}),
        });
        const text = renderPeerConfig(created, keys.privateKey);
        const p = created.peer;
        info(
          `peer ${p.name} of ${p.org}/${p.network}: address ${p.address}, gateway ${created.gateway.name} ` +
            `in ${created.gateway.region} (${choice.why})`,
        );
        if (file) {
          await file.write(text);
          info(`wrote ${fileName} (mode 0600); bring it up with: wg-quick up ${file.path}`);
          if (wgQuickInterfaceOf(fileName) === undefined) {
            ctx.io.stderr(
              `note: wg-quick names the interface after the file and accepts only NAME.conf with NAME at most 15 of a-z A-Z 0-9 _ = + . - (rename it, or import it in a WireGuard app)\n`,
            );
          }
        } else ctx.io.stdout(text);
        if (o.qr) (toStdout ? ctx.io.stderr : ctx.io.stdout)(terminalQr(text));
      } catch (e) {
        await file?.discard();
        throw e;
      }
    });

  wg.command('list')
    .description("list an org's peers")
    .argument('[org]', "org (default: the token's org, or org in sixpn.toml)", orgArg)
    .option('--network <name>', 'only peers of this network', label('network name'))
    .option('--json', 'print a JSON array')
    .action(async (orgIn, o) => {
      const org = await ctx.org(orgIn);
      ctx.list(await (await ctx.client()).listPeers(org, o.network), o.json, peerColumns);
    });

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
