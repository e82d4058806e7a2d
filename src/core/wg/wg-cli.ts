// The `wg` tool's side of WireGuard (wg(8)): parse `wg show IFACE dump`, and turn a UAPI set into `wg set` args.
// Used for kernel WireGuard, where there is no UAPI socket. Pure: the caller runs `wg` and writes key files.

import { invalid } from '../errors.ts';
import { normalizeAllowedIp, parseEndpoint, type WgEndpoint } from './endpoint.ts';
import { parsePresharedKey, parsePrivateKey, parsePublicKey } from './keys.ts';
import type { DeviceState, PeerState, UapiSet } from './uapi.ts';

const NONE = '(none)';

function int(field: string, v: string | undefined): number {
  if (v === undefined || !/^[0-9]{1,20}$/.test(v)) throw invalid(`wg dump: ${field} is not a number: '${v}'`);
  return Number(v);
}

/**
 * Parses `wg show IFACE dump`: a tab-separated device line (private key, public key, port, fwmark), then one
 * line per peer (public key, preshared key, endpoint, allowed IPs, latest handshake, rx, tx, keepalive).
 */
export function parseDump(text: string): DeviceState {
  const rows = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
  const head = rows.shift();
  if (head?.length !== 4) throw invalid('wg dump: the first line must have 4 tab-separated fields');
  const [priv, , port, fwmark] = head;
  const dev: DeviceState = {
    privateKey: priv === NONE || priv === undefined ? null : parsePrivateKey(priv),
    listenPort: int('listen port', port),
    fwmark: fwmark === 'off' ? 0 : Number.parseInt(fwmark ?? '', 16),
    peers: [],
  };
  if (!Number.isInteger(dev.fwmark)) throw invalid(`wg dump: bad fwmark '${fwmark}'`);
  rows.forEach((r, i) => {
    if (r.length !== 8) throw invalid(`wg dump: peer line ${i + 1} must have 8 tab-separated fields`);
    const [pub, psk, endpoint, allowed, handshake, rx, tx, keepalive] = r as [string, ...string[]];
    const peer: PeerState = {
      publicKey: parsePublicKey(pub),
      presharedKey: psk === NONE ? null : parsePresharedKey(psk ?? ''),
      endpoint: endpoint === NONE ? null : tryEndpoint(endpoint ?? ''),
      lastHandshakeTimeSec: int('latest handshake', handshake),
      lastHandshakeTimeNsec: 0,
      rxBytes: int('rx', rx),
      txBytes: int('tx', tx),
      persistentKeepaliveInterval: keepalive === 'off' ? 0 : int('keepalive', keepalive),
      allowedIps:
        allowed === NONE || allowed === '' ? [] : (allowed ?? '').split(',').map(normalizeAllowedIp),
      protocolVersion: 1,
    };
    dev.peers.push(peer);
  });
  return dev;
}

function tryEndpoint(v: string): WgEndpoint {
  try {
    return parseEndpoint(v);
  } catch {
    return v as WgEndpoint;
  }
}

/**
 * Arguments for `wg set IFACE …` doing what `op` does to a device whose peers are `existing`.
 * `keyFile(secret)` returns the path of a file holding that base64 secret (wg reads keys from files only);
 * `/dev/null` is used to remove a key. `wg set` always replaces a peer's allowed IPs, so a peer update that
 * adds allowed IPs must say `replaceAllowedIps` (the reconciler always does).
 */
export function wgSetArgs(
  iface: string,
  op: UapiSet,
  existing: ReadonlySet<string>,
  keyFile: (secret: string) => string,
): string[] {
  const args = ['set', iface];
  if (op.listenPort !== undefined) args.push('listen-port', String(op.listenPort));
  if (op.fwmark !== undefined) args.push('fwmark', op.fwmark === 0 ? 'off' : String(op.fwmark));
  if (op.privateKey !== undefined)
    args.push('private-key', op.privateKey === null ? '/dev/null' : keyFile(op.privateKey));
  const mentioned = new Set((op.peers ?? []).map((p) => p.publicKey as string));
  const present = new Set(existing);
  if (op.replacePeers) {
    for (const k of existing) if (!mentioned.has(k)) args.push('peer', k, 'remove');
    present.clear();
  }
  for (const p of op.peers ?? []) {
    if (p.remove) {
      args.push('peer', p.publicKey, 'remove');
      present.delete(p.publicKey);
      continue;
    }
    if (p.updateOnly && !present.has(p.publicKey)) continue;
    present.add(p.publicKey);
    args.push('peer', p.publicKey);
    if (p.presharedKey !== undefined)
      args.push('preshared-key', p.presharedKey === null ? '/dev/null' : keyFile(p.presharedKey));
    if (p.endpoint !== undefined) args.push('endpoint', parseEndpoint(p.endpoint));
    if (p.persistentKeepaliveInterval !== undefined)
      args.push(
        'persistent-keepalive',
        p.persistentKeepaliveInterval === 0 ? 'off' : String(p.persistentKeepaliveInterval),
      );
    if (p.allowedIps !== undefined || p.replaceAllowedIps) {
      if (!p.replaceAllowedIps) {
        throw invalid('wg set replaces allowed IPs; send the full list with replaceAllowedIps', {
          field: 'allowedIps',
        });
      }
      args.push('allowed-ips', (p.allowedIps ?? []).map(normalizeAllowedIp).join(','));
    }
  }
  return args;
}
