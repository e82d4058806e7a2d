// `sixpn agent join` / `sixpn gateway join`: checks the machine's prerequisites and the server (by the join token's
// CA fingerprint), makes the WireGuard keys here, trades the join token for this machine's own token, and writes
// the config `sixpn agent` / `sixpn gateway` then run from, and the token (0600). Nothing is written unless the
// control plane accepted the join.

import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../client/api-client.ts';
import { type ClientTrust, pinMismatch, presentedCas } from '../client/tls-trust.ts';
import { type DaemonConfig, encodeDaemonConfig } from '../core/daemon-config.ts';
import { invalid, SixpnError } from '../core/errors.ts';
import { formatFingerprint } from '../core/fingerprint.ts';
import { parseJoinToken } from '../core/join-token.ts';
import type { Host } from '../core/model.ts';
import { checkLabel } from '../core/names.ts';
import { generateKeyPair, parsePrivateKey, publicKeyOf, type WgPrivateKey } from '../core/wg/keys.ts';
import { writeAtomic } from '../runtime/file-store.ts';
import { missingPrerequisites, probePrerequisites } from '../runtime/prerequisites.ts';
import { writeTokenFile } from '../runtime/token-file.ts';
import { configFiles, type JoinRole } from './daemon-setup.ts';
import { parseApiUrl } from './flags.ts';

export const MESH_PORT = 51820;
export const PEER_PORT = 51821;

export interface JoinInput {
  role: JoinRole;
  url: string;
  /** The join token's text. */
  token: string;
  /** Where the token came from, for messages (`the TOKEN argument`, `SIXPN_JOIN_TOKEN`, `--token-file F`). */
  tokenFrom: string;
  name?: string | undefined;
  endpoint?: string | undefined;
  peerEndpoint?: string | undefined;
  replace: boolean;
  configDir: string;
  /** A CA file, for a token without a fingerprint (a server with a certificate of the user's). */
  caFile?: string | undefined;
  /** The daemon's settings beyond what join decides (state dir, interfaces, lab mode…). */
  settings: Omit<DaemonConfig, 'api' | 'token_file' | 'name' | 'region' | 'endpoint' | 'peer_endpoint'>;
}

export interface Joined {
  host: Host;
  configFile: string;
  tokenFile: string;
}

/** The local address this machine sends from toward `host` (no packet is sent: a UDP connect picks the route). */
export async function sourceAddressToward(host: string, port: number): Promise<string> {
  const { address, family } = await lookup(host.replace(/^\[|\]$/g, ''));
  const s = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.connect(port, address, () => resolve());
    });
    return s.address().address;
  } finally {
    s.close();
  }
}

/** The machine's name as a DNS label: the hostname's first label, lowercased. */
function defaultName(): string {
  const n = (hostname().split('.')[0] ?? '').toLowerCase();
  return checkLabel('name (the hostname; pass --name)', n);
}

/** Refuses unless the server at `url` presents the CA the token pins (before anything is sent). */
async function checkServer(url: URL, trust: ClientTrust): Promise<void> {
  if (trust.fingerprint === undefined) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let cas: Awaited<ReturnType<typeof presentedCas>>;
  try {
    cas = await presentedCas(host, Number(url.port || 443), AbortSignal.timeout(10_000));
  } catch (e) {
    throw new SixpnError(
      'unavailable',
      `cannot reach the control plane at ${url.origin}: ${(e as Error).message}`,
    );
  }
  if (!cas.some((c) => c.fingerprint === trust.fingerprint)) {
    throw pinMismatch(
      url.origin,
      trust,
      cas.map((c) => c.fingerprint),
    );
  }
}

/** The key in `path`, or a new one (written only after the join succeeded). */
async function keyAt(path: string): Promise<{ key: WgPrivateKey; isNew: boolean }> {
  try {
    return { key: parsePrivateKey((await readFile(path, 'utf8')).trim(), path), isNew: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return { key: generateKeyPair().privateKey, isNew: true };
  }
}

async function trustOf(fp: ReturnType<typeof parseJoinToken>['fingerprint'], caFile: string | undefined) {
  if (fp !== undefined) return { fingerprint: fp, pinFrom: 'the join token' } satisfies ClientTrust;
  if (caFile !== undefined) return { ca: await readFile(caFile, 'utf8') } satisfies ClientTrust;
  return {};
}

/** Joins this machine; see the file comment. Throws one clear error, having written nothing, when refused. */
export async function joinMachine(i: JoinInput): Promise<Joined> {
  const missing = missingPrerequisites(probePrerequisites());
  if (missing) throw new SixpnError('failed_precondition', missing);
  const parts = parseJoinToken(i.token, i.tokenFrom);
  const api = parseApiUrl(i.url, 'the control plane URL');
  const url = new URL(api);
  if (url.protocol !== 'https:') {
    throw invalid(`join needs the control plane's https:// URL (the join token pins its CA), not ${api}`);
  }
  const files = configFiles(i.configDir, i.role);
  if (existsSync(files.config) && !i.replace) {
    throw new SixpnError(
      'failed_precondition',
      `this machine has joined already (${files.config}); pass --replace to join again in its place`,
    );
  }
  const trust = await trustOf(parts.fingerprint, i.caFile);
  await checkServer(url, trust);
  const name = i.name ?? defaultName();
  const ip = i.endpoint ? undefined : await sourceAddressToward(url.hostname, Number(url.port || 443));
  const endpoint = i.endpoint ?? `${ip}:${MESH_PORT}`;
  const mesh = await keyAt(join(i.settings.state_dir, 'mesh.key'));
  const gw = i.role === 'gateway';
  const peer = gw ? await keyAt(join(i.settings.state_dir, 'peer.key')) : undefined;
  const peerEndpoint = gw
    ? (i.peerEndpoint ?? `${ip ?? endpoint.replace(/:\d+$/, '')}:${PEER_PORT}`)
    : undefined;
  const client = new ApiClient({ baseUrl: api, tls: trust });
  const r = await client.join({
    token: i.token.trim(),
    name,
    endpoint,
    mesh_key: publicKeyOf(mesh.key),
    ...(peer && peerEndpoint ? { peer_key: publicKeyOf(peer.key), peer_endpoint: peerEndpoint } : {}),
    ...(i.replace ? { replace: true } : {}),
  });
  await mkdir(i.settings.state_dir, { recursive: true, mode: 0o700 });
  if (mesh.isNew) await writeAtomic(join(i.settings.state_dir, 'mesh.key'), `${mesh.key}\n`, 0o600);
  if (peer?.isNew) await writeAtomic(join(i.settings.state_dir, 'peer.key'), `${peer.key}\n`, 0o600);
  await writeTokenFile(files.token, r.token);
  const cfg: DaemonConfig = {
    api,
    ...(parts.fingerprint ? { ca_fingerprint: formatFingerprint(parts.fingerprint) } : {}),
    ...(i.caFile && !parts.fingerprint ? { ca_file: i.caFile } : {}),
    token_file: files.token,
    name: r.host.name,
    region: r.host.region,
    endpoint,
    ...(peerEndpoint ? { peer_endpoint: peerEndpoint } : {}),
    ...i.settings,
  };
  await writeAtomic(files.config, encodeDaemonConfig(cfg, i.role), 0o600);
  return { host: r.host as Host, configFile: files.config, tokenFile: files.token };
}
