// wg-quick configuration files (wg-quick(8), wg(8) CONFIGURATION FILE FORMAT): render, and parse for tests.
// The format users bring up with `wg-quick up FILE` or import into the WireGuard apps.

import { parseIPv6 } from '../address.ts';
import { invalid } from '../errors.ts';
import { isIPv4, normalizeAllowedIp, parseHostEndpoint } from './endpoint.ts';
import {
  parsePresharedKey,
  parsePrivateKey,
  parsePublicKey,
  type WgPresharedKey,
  type WgPrivateKey,
  type WgPublicKey,
} from './keys.ts';

export interface WgQuickInterface {
  privateKey: WgPrivateKey;
  /** Interface addresses with their prefix length, e.g. `fdaa:0:18:0:5:0:100:2/120` (host bits allowed). */
  address: readonly string[];
  /** Resolvers (wg-quick hands them to resolvconf). */
  dns?: readonly string[];
  listenPort?: number;
  mtu?: number;
}

export interface WgQuickPeer {
  publicKey: WgPublicKey;
  allowedIps: readonly string[];
  /** `host:port`; the host may be a DNS name here (wg resolves it), unlike in the UAPI. */
  endpoint?: string;
  persistentKeepalive?: number;
  presharedKey?: WgPresharedKey;
}

export interface WgQuickConfig {
  /** Comment lines written at the top (without the `# `). */
  comments?: readonly string[];
  interface: WgQuickInterface;
  peers: readonly WgQuickPeer[];
}

function checkAddress(text: string): string {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const len = slash < 0 ? undefined : Number(text.slice(slash + 1));
  const max = isIPv4(ip) ? 32 : 128;
  if (max === 128) parseIPv6(ip);
  if (len !== undefined && !(Number.isInteger(len) && len >= 0 && len <= max)) {
    throw invalid(`Address '${text}' has a bad prefix length`, { field: 'Address' });
  }
  return text;
}

const checkEndpoint = (text: string) => parseHostEndpoint(text, 'Endpoint');

function checkIp(text: string, field: string): string {
  if (!isIPv4(text)) {
    try {
      parseIPv6(text);
    } catch {
      throw invalid(`${field} '${text}' is not an IP address`, { field });
    }
  }
  return text;
}

/** Renders the file. Validates every field, so a file this returns is one wg-quick accepts. */
export function renderWgQuick(cfg: WgQuickConfig): string {
  const out: string[] = [];
  for (const c of cfg.comments ?? []) {
    if (c.includes('\n')) throw invalid('a comment line must not contain a newline');
    out.push(`# ${c}`);
  }
  const i = cfg.interface;
  if (i.address.length === 0)
    throw invalid('a wg-quick config needs at least one Address', { field: 'Address' });
  out.push('[Interface]', `PrivateKey = ${parsePrivateKey(i.privateKey)}`);
  out.push(`Address = ${i.address.map(checkAddress).join(', ')}`);
  if (i.dns && i.dns.length > 0) out.push(`DNS = ${i.dns.map((d) => checkIp(d, 'DNS')).join(', ')}`);
  if (i.listenPort !== undefined) out.push(`ListenPort = ${i.listenPort}`);
  if (i.mtu !== undefined) out.push(`MTU = ${i.mtu}`);
  for (const p of cfg.peers) {
    out.push('', '[Peer]', `PublicKey = ${parsePublicKey(p.publicKey)}`);
    if (p.presharedKey !== undefined) out.push(`PresharedKey = ${parsePresharedKey(p.presharedKey)}`);
    out.push(`AllowedIPs = ${p.allowedIps.map(normalizeAllowedIp).join(', ')}`);
    if (p.endpoint !== undefined) out.push(`Endpoint = ${checkEndpoint(p.endpoint)}`);
    if (p.persistentKeepalive !== undefined) out.push(`PersistentKeepalive = ${p.persistentKeepalive}`);
  }
  return `${out.join('\n')}\n`;
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function int(key: string, v: string, line: number): number {
  if (!/^[0-9]{1,5}$/.test(v)) throw invalid(`line ${line}: ${key} must be a number, got '${v}'`);
  return Number(v);
}

/**
 * Parses a wg-quick file: sections and keys are case-insensitive, lists are comma-separated and may repeat,
 * `#` starts a comment. Keys this module does not model (PostUp, Table, …) are refused, so nothing is lost silently.
 */
export function parseWgQuick(text: string): WgQuickConfig {
  const comments: string[] = [];
  const iface: Partial<WgQuickInterface> & { address: string[]; dns: string[] } = { address: [], dns: [] };
  const peers: (Partial<WgQuickPeer> & { allowedIps: string[] })[] = [];
  let section: 'none' | 'interface' | 'peer' = 'none';
  let seenInterface = false;
  text.split('\n').forEach((raw, idx) => {
    const line = idx + 1;
    const hash = raw.indexOf('#');
    if (section === 'none' && raw.startsWith('# ')) comments.push(raw.slice(2));
    const s = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (s === '') return;
    const head = s.toLowerCase();
    if (head === '[interface]') {
      if (seenInterface) throw invalid(`line ${line}: a second [Interface] section`);
      seenInterface = true;
      section = 'interface';
      return;
    }
    if (head === '[peer]') {
      section = 'peer';
      peers.push({ allowedIps: [] });
      return;
    }
    const eq = s.indexOf('=');
    if (eq < 0) throw invalid(`line ${line}: expected 'Key = value', got '${s}'`);
    const key = s.slice(0, eq).trim().toLowerCase();
    const v = s.slice(eq + 1).trim();
    if (section === 'interface') {
      if (key === 'privatekey') iface.privateKey = parsePrivateKey(v);
      else if (key === 'address') iface.address.push(...list(v).map(checkAddress));
      else if (key === 'dns') iface.dns.push(...list(v).map((d) => checkIp(d, 'DNS')));
      else if (key === 'listenport') iface.listenPort = int(key, v, line);
      else if (key === 'mtu') iface.mtu = int(key, v, line);
      else throw invalid(`line ${line}: unsupported [Interface] key '${s.slice(0, eq).trim()}'`);
    } else if (section === 'peer') {
      const p = peers[peers.length - 1]!;
      if (key === 'publickey') p.publicKey = parsePublicKey(v);
      else if (key === 'presharedkey') p.presharedKey = parsePresharedKey(v);
      else if (key === 'allowedips') p.allowedIps.push(...list(v).map(normalizeAllowedIp));
      else if (key === 'endpoint') p.endpoint = checkEndpoint(v);
      else if (key === 'persistentkeepalive') p.persistentKeepalive = int(key, v, line);
      else throw invalid(`line ${line}: unsupported [Peer] key '${s.slice(0, eq).trim()}'`);
    } else throw invalid(`line ${line}: key outside a section`);
  });
  const { privateKey, address, dns, ...rest } = iface;
  if (!privateKey) throw invalid('the [Interface] section needs a PrivateKey');
  const out: WgQuickConfig = {
    interface: { privateKey, address, ...(dns.length > 0 ? { dns } : {}), ...rest },
    peers: peers.map((p, i) => {
      if (!p.publicKey) throw invalid(`[Peer] number ${i + 1} needs a PublicKey`);
      return p as WgQuickPeer;
    }),
  };
  if (comments.length > 0) out.comments = comments;
  return out;
}
