// What `sixpn wireguard create` does (create-command.ts registers it and imports this when it runs, so other
// commands skip node:crypto, the key and config code and the QR encoder): makes the key pair here, adds the peer
// on the nearest (or chosen) gateway, and writes its wg-quick file 0600, never over an existing one. Only the
// public key is sent.

import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { CreatedPeer } from '../../client/schemas.ts';
import { generateKeyPair } from '../../core/wg/keys.ts';
import type { CliContext } from '../context.ts';
import { type NewFile, reserveFile } from './new-file.ts';
import { defaultConfigFile, defaultPeerName, renderPeerConfig, wgQuickInterfaceOf } from './peer-config.ts';
import { terminalQr } from './qr.ts';
import { chooseRegion, type RegionChoice } from './region-choice.ts';

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

/** The region to create the peer in: the argument, SIXPN_WG_REGION, else the gateway nearest home. */
async function pickRegion(ctx: CliContext, arg: string | undefined): Promise<RegionChoice> {
  const client = await ctx.client();
  const [gateways, regions, home] = await Promise.all([
    client.listGateways(),
    client.listRegions(),
    homeRegion(ctx),
  ]);
  return chooseRegion({ arg, wgEnv: ctx.io.env.SIXPN_WG_REGION, home, regions, gateways });
}

interface Output {
  /** The reserved file, or undefined when the config goes to stdout. */
  file: NewFile | undefined;
  fileName: string;
  /** Progress lines: stdout, or stderr when stdout carries the config. */
  info: (line: string) => void;
}

/** Writes the config where it was asked for, with a QR code when wanted. */
async function deliver(ctx: CliContext, out: Output, text: string, qr: boolean | undefined): Promise<void> {
  if (out.file) {
    await out.file.write(text);
    out.info(`wrote ${out.fileName} (mode 0600); bring it up with: wg-quick up ${out.file.path}`);
    if (wgQuickInterfaceOf(out.fileName) === undefined) {
      ctx.io.stderr(
        `note: wg-quick names the interface after the file and accepts only NAME.conf with NAME at most 15 of a-z A-Z 0-9 _ = + . - (rename it, or import it in a WireGuard app)\n`,
      );
    }
  } else ctx.io.stdout(text);
  if (qr) (out.file ? ctx.io.stdout : ctx.io.stderr)(terminalQr(text));
}

const summary = (c: CreatedPeer, why: string) =>
  `peer ${c.peer.name} of ${c.peer.org}/${c.peer.network}: address ${c.peer.address}, gateway ` +
  `${c.gateway.name} in ${c.gateway.region} (${why})`;

/**
 * Creates a peer in `orgIn` (default: the context's org) and writes its config to `fileIn` (default:
 * ./<name>.conf; `stdout` prints it).
 */
export async function createWireguardPeer(
  ctx: CliContext,
  orgIn: string | undefined,
  regionIn: string | undefined,
  nameIn: string | undefined,
  fileIn: string | undefined,
  o: { network?: string | undefined; qr?: true | undefined },
): Promise<void> {
  const org = await ctx.org(orgIn);
  const choice = await pickRegion(ctx, regionIn);
  const name =
    nameIn ?? defaultPeerName(localUser(ctx), hostname(), randomBytes(2).toString('hex').slice(0, 4));
  const fileName = fileIn ?? defaultConfigFile(name);
  const file = fileIn === 'stdout' ? undefined : await reserveFile(resolve(ctx.io.cwd, fileName));
  const info = (line: string) => (file ? ctx.out(line) : ctx.io.stderr(`${line}\n`));
  try {
    const keys = generateKeyPair();
    const created = await (await ctx.client()).createPeer(org, {
      name,
      region: choice.region,
      public_key: keys.publicKey,
      ...(o.network ? { network: o.network } : {}),
    });
    info(summary(created, choice.why));
    await deliver(ctx, { file, fileName, info }, renderPeerConfig(created, keys.privateKey), o.qr);
  } catch (e) {
    await file?.discard();
    throw e;
  }
}
