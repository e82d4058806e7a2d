// The WireGuard cross-platform configuration protocol ("UAPI"): encode `set=1`, parse `get=1` replies and errno.
// Spec: https://www.wireguard.com/xplatform/#configuration-protocol. Keys are lowercase hex on this wire.

import { invalid, SixpnError } from '../errors.ts';
import { normalizeAllowedIp, parseEndpoint, type WgEndpoint } from './endpoint.ts';
import {
  keyFromHex,
  keyToHex,
  type WgPresharedKey,
  type WgPrivateKey,
  type WgPublicKey,
  ZERO_KEY_HEX,
} from './keys.ts';

/** One peer in a `set=1` operation. Fields left out are left as they are on the device. */
export interface UapiPeerUpdate {
  publicKey: WgPublicKey;
  /** Remove this peer (every other field is then ignored). */
  remove?: true;
  /** Change the peer only if it exists; never create it. */
  updateOnly?: true;
  /** `null` removes the preshared key. */
  presharedKey?: WgPresharedKey | null;
  endpoint?: WgEndpoint;
  /** Seconds; 0 turns it off. */
  persistentKeepaliveInterval?: number;
  /** Drop the peer's allowed IPs before adding `allowedIps`. */
  replaceAllowedIps?: true;
  /** Ranges added to the peer, canonical CIDR text. */
  allowedIps?: readonly string[];
}

/** A `set=1` operation. Fields left out are left as they are. */
export interface UapiSet {
  /** `null` removes the private key. */
  privateKey?: WgPrivateKey | null;
  listenPort?: number;
  /** 0 removes the mark. */
  fwmark?: number;
  /** Remove every peer before applying `peers`. */
  replacePeers?: true;
  peers?: readonly UapiPeerUpdate[];
}

/** A peer as `get=1` reports it. */
export interface PeerState {
  publicKey: WgPublicKey;
  presharedKey: WgPresharedKey | null;
  /** Null until configured or learned from an incoming packet. Kept verbatim if it is not an IP literal. */
  endpoint: WgEndpoint | null;
  /** Seconds since the Unix epoch of the last handshake; 0 = never. */
  lastHandshakeTimeSec: number;
  lastHandshakeTimeNsec: number;
  rxBytes: number;
  txBytes: number;
  persistentKeepaliveInterval: number;
  /** Canonical CIDR text, in the order the device reports them. */
  allowedIps: string[];
  protocolVersion: number;
}

/** A device as `get=1` reports it. */
export interface DeviceState {
  privateKey: WgPrivateKey | null;
  /** 0 when the device has not bound a port. */
  listenPort: number;
  fwmark: number;
  peers: PeerState[];
}

export const GET_REQUEST = 'get=1\n\n';

function u(what: string, n: number, max: number): string {
  if (!Number.isInteger(n) || n < 0 || n > max) throw invalid(`${what} must be an integer from 0 to ${max}`);
  return String(n);
}

/** The text of a `set=1` request, ending with the blank line that closes it. */
export function encodeSet(op: UapiSet): string {
  const out = ['set=1'];
  if (op.privateKey !== undefined)
    out.push(`private_key=${op.privateKey === null ? ZERO_KEY_HEX : keyToHex(op.privateKey)}`);
  if (op.listenPort !== undefined) out.push(`listen_port=${u('listen_port', op.listenPort, 65535)}`);
  if (op.fwmark !== undefined) out.push(`fwmark=${u('fwmark', op.fwmark, 0xffff_ffff)}`);
  if (op.replacePeers) out.push('replace_peers=true');
  for (const p of op.peers ?? []) {
    out.push(`public_key=${keyToHex(p.publicKey)}`);
    if (p.remove) {
      out.push('remove=true');
      continue;
    }
    if (p.updateOnly) out.push('update_only=true');
    if (p.presharedKey !== undefined)
      out.push(`preshared_key=${p.presharedKey === null ? ZERO_KEY_HEX : keyToHex(p.presharedKey)}`);
    if (p.endpoint !== undefined) out.push(`endpoint=${parseEndpoint(p.endpoint)}`);
    if (p.persistentKeepaliveInterval !== undefined) {
      out.push(`persistent_keepalive_interval=${u('keepalive', p.persistentKeepaliveInterval, 65535)}`);
    }
    if (p.replaceAllowedIps) out.push('replace_allowed_ips=true');
    for (const a of p.allowedIps ?? []) out.push(`allowed_ip=${normalizeAllowedIp(a)}`);
  }
  return `${out.join('\n')}\n\n`;
}

function* lines(text: string, first: string): Generator<[key: string, value: string, line: number]> {
  const end = text.indexOf('\n\n');
  if (end < 0) throw invalid('UAPI text must end with a blank line');
  const all = text.slice(0, end).split('\n');
  if (all[0] !== first) throw invalid(`UAPI text must start with '${first}', got '${all[0] ?? ''}'`);
  for (let i = 1; i < all.length; i++) {
    const line = all[i] ?? '';
    const eq = line.indexOf('=');
    if (eq <= 0) throw invalid(`UAPI line ${i + 1} is not key=value: '${line}'`);
    yield [line.slice(0, eq), line.slice(eq + 1), i + 1];
  }
}

function num(key: string, v: string, line: number): number {
  if (!/^[0-9]{1,20}$/.test(v))
    throw invalid(`UAPI line ${line}: ${key} must be a decimal number, got '${v}'`);
  return Number(v);
}

function bool(key: string, v: string, line: number): true {
  if (v !== 'true') throw invalid(`UAPI line ${line}: ${key} must be 'true', got '${v}'`);
  return true;
}

/** Parses a `set=1` request (the inverse of {@link encodeSet}; used by the fake device and tests). */
export function parseSet(text: string): UapiSet {
  const op: UapiSet = {};
  const peers: UapiPeerUpdate[] = [];
  let peer: UapiPeerUpdate | undefined;
  for (const [k, v, line] of lines(text, 'set=1')) {
    if (k === 'public_key') {
      peer = { publicKey: keyFromHex(v, 'public_key') as WgPublicKey };
      peers.push(peer);
      continue;
    }
    if (!peer) {
      if (k === 'private_key') op.privateKey = v === ZERO_KEY_HEX ? null : (keyFromHex(v, k) as WgPrivateKey);
      else if (k === 'listen_port') op.listenPort = num(k, v, line);
      else if (k === 'fwmark') op.fwmark = num(k, v, line);
      else if (k === 'replace_peers') op.replacePeers = bool(k, v, line);
      else throw invalid(`UAPI line ${line}: unknown device key '${k}'`);
      continue;
    }
    if (k === 'remove') peer.remove = bool(k, v, line);
    else if (k === 'update_only') peer.updateOnly = bool(k, v, line);
    else if (k === 'preshared_key')
      peer.presharedKey = v === ZERO_KEY_HEX ? null : (keyFromHex(v, k) as WgPresharedKey);
    else if (k === 'endpoint') peer.endpoint = parseEndpoint(v);
    else if (k === 'persistent_keepalive_interval') peer.persistentKeepaliveInterval = num(k, v, line);
    else if (k === 'replace_allowed_ips') peer.replaceAllowedIps = bool(k, v, line);
    else if (k === 'allowed_ip') peer.allowedIps = [...(peer.allowedIps ?? []), normalizeAllowedIp(v)];
    else if (k === 'protocol_version') {
      if (v !== '1') throw invalid(`UAPI line ${line}: protocol_version must be 1`);
    } else throw invalid(`UAPI line ${line}: unknown peer key '${k}'`);
  }
  if (peers.length > 0) op.peers = peers;
  return op;
}

function emptyPeer(publicKey: WgPublicKey): PeerState {
  return {
    publicKey,
    presharedKey: null,
    endpoint: null,
    lastHandshakeTimeSec: 0,
    lastHandshakeTimeNsec: 0,
    rxBytes: 0,
    txBytes: 0,
    persistentKeepaliveInterval: 0,
    allowedIps: [],
    protocolVersion: 1,
  };
}

/**
 * Parses the reply to `get=1`: device keys, then one block per peer, then `errno=N` and a blank line.
 * Unknown keys are skipped (implementations add their own). A non-zero errno throws (see {@link errnoError}).
 */
export function parseGet(text: string): DeviceState {
  const dev: DeviceState = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] };
  let peer: PeerState | undefined;
  let errno: number | undefined;
  // The reply has no leading `get=1` line; give `lines` one to anchor on.
  for (const [k, v, line] of lines(`get=1\n${text}`, 'get=1')) {
    if (k === 'errno') {
      if (!/^-?[0-9]+$/.test(v)) throw invalid(`UAPI line ${line - 1}: bad errno '${v}'`);
      errno = Number(v);
      continue;
    }
    if (k === 'public_key') {
      peer = emptyPeer(keyFromHex(v, 'public_key') as WgPublicKey);
      dev.peers.push(peer);
      continue;
    }
    if (!peer) {
      if (k === 'private_key')
        dev.privateKey = v === ZERO_KEY_HEX ? null : (keyFromHex(v, k) as WgPrivateKey);
      else if (k === 'listen_port') dev.listenPort = num(k, v, line);
      else if (k === 'fwmark') dev.fwmark = num(k, v, line);
      continue;
    }
    switch (k) {
      case 'preshared_key':
        peer.presharedKey = v === ZERO_KEY_HEX ? null : (keyFromHex(v, k) as WgPresharedKey);
        break;
      case 'endpoint':
        peer.endpoint = tryEndpoint(v);
        break;
      case 'last_handshake_time_sec':
        peer.lastHandshakeTimeSec = num(k, v, line);
        break;
      case 'last_handshake_time_nsec':
        peer.lastHandshakeTimeNsec = num(k, v, line);
        break;
      case 'rx_bytes':
        peer.rxBytes = num(k, v, line);
        break;
      case 'tx_bytes':
        peer.txBytes = num(k, v, line);
        break;
      case 'persistent_keepalive_interval':
        peer.persistentKeepaliveInterval = num(k, v, line);
        break;
      case 'allowed_ip':
        peer.allowedIps.push(normalizeAllowedIp(v));
        break;
      case 'protocol_version':
        peer.protocolVersion = num(k, v, line);
        break;
    }
  }
  if (errno === undefined) throw invalid('UAPI reply has no errno line; is this a WireGuard UAPI socket?');
  if (errno !== 0) throw errnoError(errno, 'get');
  return dev;
}

function tryEndpoint(v: string): WgEndpoint {
  try {
    return parseEndpoint(v);
  } catch {
    return v as WgEndpoint;
  }
}

/** Encodes a device state as a `get=1` reply (golden dumps, the fake device). */
export function encodeGet(dev: DeviceState): string {
  const out: string[] = [];
  if (dev.privateKey) out.push(`private_key=${keyToHex(dev.privateKey)}`);
  if (dev.listenPort) out.push(`listen_port=${dev.listenPort}`);
  if (dev.fwmark) out.push(`fwmark=${dev.fwmark}`);
  for (const p of dev.peers) {
    out.push(`public_key=${keyToHex(p.publicKey)}`);
    out.push(`preshared_key=${p.presharedKey ? keyToHex(p.presharedKey) : ZERO_KEY_HEX}`);
    out.push(`protocol_version=${p.protocolVersion}`);
    if (p.endpoint) out.push(`endpoint=${p.endpoint}`);
    out.push(`last_handshake_time_sec=${p.lastHandshakeTimeSec}`);
    out.push(`last_handshake_time_nsec=${p.lastHandshakeTimeNsec}`);
    out.push(`tx_bytes=${p.txBytes}`);
    out.push(`rx_bytes=${p.rxBytes}`);
    out.push(`persistent_keepalive_interval=${p.persistentKeepaliveInterval}`);
    for (const a of p.allowedIps) out.push(`allowed_ip=${a}`);
  }
  out.push('errno=0');
  return `${out.join('\n')}\n\n`;
}

/** Parses the reply to `set=1` (`errno=N` and a blank line); throws on a non-zero errno. */
export function parseSetReply(text: string): void {
  const m = /^errno=(-?[0-9]+)\n\n$/.exec(text);
  if (!m) throw invalid(`UAPI set reply must be 'errno=N' and a blank line, got ${JSON.stringify(text)}`);
  const errno = Number(m[1]);
  if (errno !== 0) throw errnoError(errno, 'set');
}

const ERRNO_NAMES: Record<number, string> = { 5: 'EIO', 22: 'EINVAL', 71: 'EPROTO', 98: 'EADDRINUSE' };

/** The error for a non-zero UAPI errno (wireguard-go sends negative values, wg's kernel path positive ones). */
export function errnoError(errno: number, op: 'get' | 'set'): SixpnError {
  const abs = Math.abs(errno);
  const name = ERRNO_NAMES[abs] ?? `errno ${abs}`;
  const details = { errno, op };
  if (abs === 98) {
    return new SixpnError(
      'failed_precondition',
      `WireGuard ${op} failed: listen port already in use (${name}); pick a free port`,
      { details },
    );
  }
  if (abs === 22) {
    return new SixpnError(
      'invalid_argument',
      `WireGuard ${op} failed: the device rejected the configuration (${name}); its log says which line`,
      { details },
    );
  }
  return new SixpnError('unavailable', `WireGuard ${op} failed (${name}); check that the device is up`, {
    details,
  });
}
