// What a `set=1` operation does to a device, as wireguard-go implements it: the model behind the fake device.
// Spec: https://www.wireguard.com/xplatform/#configuration-protocol (semantics checked against wireguard-go).

import { keyBytes, publicKeyOf, type WgPrivateKey } from './keys.ts';
import type { DeviceState, PeerState, UapiSet } from './uapi.ts';

/** Curve25519 clamping (RFC 7748 §5), which devices apply to a private key when it is set. */
export function clampPrivateKey(key: WgPrivateKey): WgPrivateKey {
  const b = keyBytes(key, 'private key');
  b[0] = b[0]! & 248;
  b[31] = (b[31]! & 127) | 64;
  return b.toString('base64') as WgPrivateKey;
}

function freshPeer(publicKey: PeerState['publicKey']): PeerState {
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
 * The device after `op`, never mutating `dev`. Like wireguard-go: a peer with the device's own public key is
 * ignored, `update_only` never creates, an allowed IP belongs to one peer (adding it to another moves it).
 */
export function applySet(dev: DeviceState, op: UapiSet): DeviceState {
  const out: DeviceState = { ...dev, peers: [] };
  if (op.privateKey !== undefined)
    out.privateKey = op.privateKey === null ? null : clampPrivateKey(op.privateKey);
  if (op.listenPort !== undefined) out.listenPort = op.listenPort;
  if (op.fwmark !== undefined) out.fwmark = op.fwmark;
  // Insertion-ordered, so the result lists peers as the device would: old ones first, new ones appended.
  const peers = new Map<string, PeerState>();
  const owner = new Map<string, PeerState>();
  if (!op.replacePeers) {
    for (const p of dev.peers) {
      const copy = { ...p, allowedIps: [...p.allowedIps] };
      peers.set(p.publicKey, copy);
      for (const a of copy.allowedIps) owner.set(a, copy);
    }
  }
  const own = out.privateKey === null ? undefined : publicKeyOf(out.privateKey);
  const dropRanges = (peer: PeerState) => {
    for (const a of peer.allowedIps) if (owner.get(a) === peer) owner.delete(a);
    peer.allowedIps = [];
  };
  for (const up of op.peers ?? []) {
    if (up.publicKey === own) continue;
    let peer = peers.get(up.publicKey);
    if (up.remove) {
      if (peer) dropRanges(peer);
      peers.delete(up.publicKey);
      continue;
    }
    if (!peer) {
      if (up.updateOnly) continue;
      peer = freshPeer(up.publicKey);
      peers.set(up.publicKey, peer);
    }
    if (up.presharedKey !== undefined) peer.presharedKey = up.presharedKey;
    if (up.endpoint !== undefined) peer.endpoint = up.endpoint;
    if (up.persistentKeepaliveInterval !== undefined)
      peer.persistentKeepaliveInterval = up.persistentKeepaliveInterval;
    if (up.replaceAllowedIps) dropRanges(peer);
    for (const a of up.allowedIps ?? []) {
      const prev = owner.get(a);
      if (prev === peer) continue;
      if (prev) prev.allowedIps = prev.allowedIps.filter((x) => x !== a);
      owner.set(a, peer);
      peer.allowedIps.push(a);
    }
  }
  out.peers = [...peers.values()];
  return out;
}
