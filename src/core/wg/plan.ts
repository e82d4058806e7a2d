// The WireGuard reconciler: from the device we want and the device we see, the smallest `set=1` that fixes it.
// Peers that are already right are not mentioned, so their sessions (handshakes, counters) are not touched.

import { invalid } from '../errors.ts';
import { normalizeAllowedIp, parseEndpoint, type WgEndpoint } from './endpoint.ts';
import { publicKeyOf, type WgPresharedKey, type WgPrivateKey, type WgPublicKey } from './keys.ts';
import type { DeviceState, PeerState, UapiPeerUpdate, UapiSet } from './uapi.ts';

/** A peer as we want it. */
export interface PeerConfig {
  publicKey: WgPublicKey;
  /** CIDR text; compared as a set, in canonical form. */
  allowedIps: readonly string[];
  /** Undefined: leave the endpoint to the device (roaming peers such as laptops behind NAT). */
  endpoint?: WgEndpoint;
  /** Seconds; undefined or 0 = off. */
  persistentKeepalive?: number;
  /** Undefined = none. */
  presharedKey?: WgPresharedKey;
  /**
   * When the peer is added (to a device already up), the device starts a handshake with it at once: the add turns
   * a keepalive on and a second entry of the same operation turns it off, and a device sends a keepalive (so a
   * handshake first) when one is turned on. For peers that may have tried us before we listened: their lost
   * initiation is retried only after REKEY_TIMEOUT (5 s), while ours is answered now. Needs an endpoint; a peer
   * with a persistent keepalive gets its first one on add anyway.
   */
  handshakeOnAdd?: boolean;
}

/** A device as we want it. */
export interface DeviceConfig {
  privateKey: WgPrivateKey;
  /** Undefined: leave the port the device has (a random one when never set). */
  listenPort?: number;
  /** Undefined: leave the mark as it is. */
  fwmark?: number;
  peers: readonly PeerConfig[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

/** Normalised copy of the desired peers; throws on duplicates the device would silently merge. */
function checkDesired(desired: DeviceConfig, ownKey: WgPublicKey): PeerConfig[] {
  const keys = new Set<string>();
  const ranges = new Map<string, string>();
  return desired.peers.map((p) => {
    if (keys.has(p.publicKey)) throw invalid(`peer ${p.publicKey} is listed twice; list each peer once`);
    if (p.publicKey === ownKey) {
      throw invalid(`peer ${p.publicKey} is this device's own public key; a device cannot peer with itself`);
    }
    keys.add(p.publicKey);
    const allowedIps = p.allowedIps.map(normalizeAllowedIp);
    for (const a of allowedIps) {
      const other = ranges.get(a);
      if (other !== undefined && other !== p.publicKey) {
        throw invalid(`allowed IP ${a} is given to two peers (${other} and ${p.publicKey}); give it to one`);
      }
      ranges.set(a, p.publicKey);
    }
    return normalizePeer(p, allowedIps);
  });
}

function normalizePeer(p: PeerConfig, allowedIps = p.allowedIps.map(normalizeAllowedIp)): PeerConfig {
  return { ...p, allowedIps, ...(p.endpoint === undefined ? {} : { endpoint: parseEndpoint(p.endpoint) }) };
}

/** What must change on an existing peer, or undefined when it is already right. */
function peerDiff(want: PeerConfig, have: PeerState): UapiPeerUpdate | undefined {
  const up: UapiPeerUpdate = { publicKey: want.publicKey, updateOnly: true };
  let changed = false;
  if (want.endpoint !== undefined && want.endpoint !== have.endpoint) {
    up.endpoint = want.endpoint;
    changed = true;
  }
  const keepalive = want.persistentKeepalive ?? 0;
  if (keepalive !== have.persistentKeepaliveInterval) {
    up.persistentKeepaliveInterval = keepalive;
    changed = true;
  }
  const psk = want.presharedKey ?? null;
  if (psk !== have.presharedKey) {
    up.presharedKey = psk;
    changed = true;
  }
  if (!sameSet(want.allowedIps, have.allowedIps)) {
    up.replaceAllowedIps = true;
    up.allowedIps = want.allowedIps;
    changed = true;
  }
  return changed ? up : undefined;
}

/** Whether adding `want` takes the one-shot keepalive of {@link PeerConfig.handshakeOnAdd}. */
const nudged = (want: PeerConfig) =>
  want.handshakeOnAdd === true && want.endpoint !== undefined && !want.persistentKeepalive;

function newPeer(want: PeerConfig, nudge: boolean): UapiPeerUpdate {
  const up: UapiPeerUpdate = { publicKey: want.publicKey };
  if (want.presharedKey !== undefined) up.presharedKey = want.presharedKey;
  if (want.endpoint !== undefined) up.endpoint = want.endpoint;
  if (want.persistentKeepalive) up.persistentKeepaliveInterval = want.persistentKeepalive;
  else if (nudge) up.persistentKeepaliveInterval = 1;
  up.replaceAllowedIps = true;
  up.allowedIps = want.allowedIps;
  return up;
}

/** The entry after a nudged add that turns its keepalive off again (the device is left as `want` says). */
const nudgeOff = (want: PeerConfig): UapiPeerUpdate => ({
  publicKey: want.publicKey,
  updateOnly: true,
  persistentKeepaliveInterval: 0,
});

/**
 * The update for one peer: add it (`want` only), fix it (both; undefined when already right), or remove it
 * (`have` only). For reconcilers that know which peers changed and keep the device's state in memory, so each
 * change costs the same whatever the number of peers. Checks across peers (duplicate ranges) are the caller's.
 * One update per peer: {@link PeerConfig.handshakeOnAdd} is planDevice's alone.
 */
export function planPeer(
  want: PeerConfig | undefined,
  have: PeerState | undefined,
): UapiPeerUpdate | undefined {
  if (want === undefined) return have === undefined ? undefined : { publicKey: have.publicKey, remove: true };
  if (have !== undefined && have.publicKey !== want.publicKey) {
    throw invalid('planPeer: desired and observed peers have different public keys');
  }
  const w = normalizePeer(want);
  return have === undefined ? newPeer(w, false) : peerDiff(w, have);
}

/**
 * The minimal `set=1` operation that turns `observed` into `desired`, or null when nothing differs.
 * Pure and idempotent: applying the result and planning again gives null. Order inside the operation:
 * removals first (they free allowed IPs), then changes to existing peers, then new peers, then the entries that
 * turn the keepalive of new {@link PeerConfig.handshakeOnAdd} peers off again.
 * The private key is compared through its public key, since devices store it clamped.
 */
export function planDevice(desired: DeviceConfig, observed: DeviceState): UapiSet | null {
  const ownKey = publicKeyOf(desired.privateKey);
  const want = checkDesired(desired, ownKey);
  const op: UapiSet = {};
  let changed = false;
  if (observed.privateKey === null || publicKeyOf(observed.privateKey) !== ownKey) {
    op.privateKey = desired.privateKey;
    changed = true;
  }
  if (desired.listenPort !== undefined && desired.listenPort !== observed.listenPort) {
    op.listenPort = desired.listenPort;
    changed = true;
  }
  if (desired.fwmark !== undefined && desired.fwmark !== observed.fwmark) {
    op.fwmark = desired.fwmark;
    changed = true;
  }
  const have = new Map<string, PeerState>(observed.peers.map((p) => [p.publicKey, p]));
  const wanted = new Set<string>(want.map((p) => p.publicKey));
  const removals: UapiPeerUpdate[] = observed.peers
    .filter((p) => !wanted.has(p.publicKey))
    .map((p) => ({ publicKey: p.publicKey, remove: true }));
  const updates: UapiPeerUpdate[] = [];
  const additions: UapiPeerUpdate[] = [];
  const nudges: UapiPeerUpdate[] = [];
  for (const p of want) {
    const h = have.get(p.publicKey);
    if (h === undefined) {
      const nudge = nudged(p);
      additions.push(newPeer(p, nudge));
      if (nudge) nudges.push(nudgeOff(p));
    } else {
      const d = peerDiff(p, h);
      if (d) updates.push(d);
    }
  }
  const peers = [...removals, ...updates, ...additions, ...nudges];
  if (peers.length > 0) {
    op.peers = peers;
    changed = true;
  }
  return changed ? op : null;
}

/**
 * A short human summary of an operation, for logs (never includes keys other than public ones). A peer's second
 * entry in one operation (the keepalive of a handshake on add turned off) counts as a `handshake`.
 */
export function describeSet(op: UapiSet): {
  add: number;
  change: number;
  remove: number;
  handshake: number;
  device: boolean;
} {
  let add = 0;
  let change = 0;
  let remove = 0;
  let handshake = 0;
  const seen = new Set<string>();
  for (const p of op.peers ?? []) {
    if (seen.has(p.publicKey)) handshake++;
    else if (p.remove) remove++;
    else if (p.updateOnly) change++;
    else add++;
    seen.add(p.publicKey);
  }
  const device = op.privateKey !== undefined || op.listenPort !== undefined || op.fwmark !== undefined;
  return { add, change, remove, handshake, device };
}
