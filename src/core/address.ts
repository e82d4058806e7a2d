// The address plan (DESIGN.md): fdaa:NNNN:NNNN:HHHH:HHHH:MMMM:MMMM:xxxx. The only module that does bit
// arithmetic on addresses. IPv6 text format follows RFC 4291 §2.2 (parse) and RFC 5952 (format).

import { invalid, SixpnError } from './errors.ts';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 32-bit network id (bits 16–47). Never 0, never reused. */
export type NetworkId = Brand<number, 'NetworkId'>;
/** 32-bit host id (bits 48–79). 0 is the service slot (DNS/API at `::3`). */
export type HostId = Brand<number, 'HostId'>;
/** 32-bit instance number inside a host slot (bits 80–111). */
export type InstanceNum = Brand<number, 'InstanceNum'>;
/** An app's service number in its network (the instance-id bits of host slot 0), 1 … 2^32-1, never reused. */
export type ServiceNum = Brand<number, 'ServiceNum'>;
/** Index of a peer's /120 inside its gateway's /80 (bits 80–119), 1 … 2^40-1. */
export type PeerIndex = Brand<number, 'PeerIndex'>;

export const MAX_U32 = 0xffff_ffff;
export const MAX_PEER_INDEX = 2 ** 40 - 1;
const ALL = (1n << 128n) - 1n;

export interface Cidr {
  /** The first address of the block (host bits zero). */
  readonly base: bigint;
  readonly length: number;
}

/** A deployment's plan: its /16 prefix, `fdaa::/16` by default. */
export interface AddressPlan {
  /** The top 16 bits, e.g. 0xfdaa. */
  readonly prefix: number;
}

export const defaultPlan: AddressPlan = { prefix: 0xfdaa };

function checkU32(what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > MAX_U32) {
    throw invalid(`${what} must be an integer from ${min} to ${MAX_U32}, got ${v}`, { field: what });
  }
}

export function asNetworkId(v: number): NetworkId {
  checkU32('network id', v, 1);
  return v as NetworkId;
}
export function asHostId(v: number): HostId {
  checkU32('host id', v, 1);
  return v as HostId;
}
export function asInstanceNum(v: number): InstanceNum {
  checkU32('instance number', v, 1);
  return v as InstanceNum;
}
export function asServiceNum(v: number): ServiceNum {
  checkU32('service number', v, 1);
  return v as ServiceNum;
}
export function asPeerIndex(v: number): PeerIndex {
  if (!Number.isInteger(v) || v < 1 || v > MAX_PEER_INDEX) {
    throw invalid(`peer index must be an integer from 1 to ${MAX_PEER_INDEX}, got ${v}`, {
      field: 'peer index',
    });
  }
  return v as PeerIndex;
}

// ---------------------------------------------------------------------------------------------------------
// IPv6 text <-> 128-bit integer

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses IPv6 text (no zone, no brackets). IPv4-embedded forms are accepted (`::ffff:1.2.3.4`). */
export function parseIPv6(text: string): bigint {
  const v = tryParseIPv6(text);
  if (v === undefined) throw invalid(`'${text}' is not an IPv6 address (expected e.g. fdaa:0:18::3)`);
  return v;
}

/** Like {@link parseIPv6} but returns undefined instead of throwing. */
export function tryParseIPv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let s = text;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseIPv4Groups(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0`; // placeholder group, replaced below
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!HEX_GROUP.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  let groups: number[];
  if (tail.length > 0) {
    // drop the placeholder group and put the two IPv4 groups in its place
    if (rest.length > 0) rest.pop();
    else head.pop();
  }
  const given = head.length + rest.length + tail.length;
  if (halves.length === 2) {
    if (given > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  } else {
    if (given !== 8) return undefined;
    groups = [...head, ...tail];
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

function parseIPv4Groups(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return [(bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!];
}

/** RFC 5952 canonical text: lowercase, no leading zeros, the longest run (≥2) of zero groups as `::`. */
export function formatIPv6(v: bigint): string {
  if (v < 0n || v > ALL) throw invalid(`value out of IPv6 range: ${v}`);
  // One BigInt → hex conversion, then plain string work: the API formats an address per candidate host of every
  // instance creation, and eight BigInt shifts and masks per address showed in its CPU profile.
  const hex = v.toString(16).padStart(32, '0');
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(trimGroup(hex.slice(i, i + 4)));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Four hex digits without their leading zeros (`0000` → `0`). */
function trimGroup(g: string): string {
  let i = 0;
  while (i < 3 && g.charCodeAt(i) === 48) i++;
  return i === 0 ? g : g.slice(i);
}

/** 16 bytes, network order. */
export function ipv6ToBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  let x = v;
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function ipv6FromBytes(b: Uint8Array): bigint {
  if (b.length !== 16) throw invalid(`an IPv6 address is 16 bytes, got ${b.length}`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// CIDR blocks

function maskOf(length: number): bigint {
  return length === 0 ? 0n : (ALL << BigInt(128 - length)) & ALL;
}

export function cidr(base: bigint, length: number): Cidr {
  if (!Number.isInteger(length) || length < 0 || length > 128)
    throw invalid(`prefix length ${length} is not 0–128`);
  if ((base & ~maskOf(length) & ALL) !== 0n) {
    throw invalid(
      `${formatIPv6(base)}/${length} has host bits set; use ${formatIPv6(base & maskOf(length))}/${length}`,
    );
  }
  return { base, length };
}

export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw invalid(`'${text}' is not a CIDR block (expected e.g. fdaa::/16)`);
  const len = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(len)) throw invalid(`'${text}' has a bad prefix length`);
  return cidr(parseIPv6(text.slice(0, slash)), Number(len));
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv6(c.base)}/${c.length}`;
}

export function contains(c: Cidr, addr: bigint): boolean {
  return (addr & maskOf(c.length)) === c.base;
}

/** The block of `length` bits that holds `addr` (host bits cleared), e.g. an instance address's /112. */
export function enclosing(addr: bigint, length: number): Cidr {
  return cidr(addr & maskOf(length), length);
}

// ---------------------------------------------------------------------------------------------------------
// The plan

/** Parses a deployment prefix such as `fdaa::/16`. It must be a /16 inside the ULA range fc00::/7. */
export function parsePlanPrefix(text: string): AddressPlan {
  const c = parseCidr(text);
  if (c.length !== 16)
    throw invalid(`the 6PN prefix must be a /16, got /${c.length} (for example fdaa::/16)`);
  const top = Number(c.base >> 112n);
  if ((top & 0xfe00) !== 0xfc00) {
    throw invalid(`the 6PN prefix must be a unique local address block (fc00::/7), got ${text}`);
  }
  return { prefix: top };
}

export function formatPlanPrefix(plan: AddressPlan): string {
  return formatCidr(planCidr(plan));
}

export function planCidr(plan: AddressPlan): Cidr {
  return { base: BigInt(plan.prefix) << 112n, length: 16 };
}

/** A network's /48: `fdaa:NNNN:NNNN::/48`. */
export function networkPrefix(plan: AddressPlan, net: NetworkId): Cidr {
  return { base: (BigInt(plan.prefix) << 112n) | (BigInt(net) << 80n), length: 48 };
}

/** A host's slot in a network, a /80: `fdaa:NNNN:NNNN:HHHH:HHHH::/80`. */
export function hostPrefix(plan: AddressPlan, net: NetworkId, host: HostId): Cidr {
  return { base: networkPrefix(plan, net).base | (BigInt(host) << 48n), length: 80 };
}

/** An instance's /112. */
export function instancePrefix(plan: AddressPlan, net: NetworkId, host: HostId, inst: InstanceNum): Cidr {
  return { base: hostPrefix(plan, net, host).base | (BigInt(inst) << 16n), length: 112 };
}

/** An instance's address: its /112 base + 2 (ends in `:2`). */
export function instanceAddress(plan: AddressPlan, net: NetworkId, host: HostId, inst: InstanceNum): bigint {
  return instancePrefix(plan, net, host, inst).base + 2n;
}

/** A peer's /120 inside its gateway's /80 slot. */
export function peerPrefix(plan: AddressPlan, net: NetworkId, gateway: HostId, index: PeerIndex): Cidr {
  return { base: hostPrefix(plan, net, gateway).base | (BigInt(index) << 8n), length: 120 };
}

/** A peer's address: its /120 base + 2; its wg-quick `Address` line is `<this>/120`. */
export function peerAddress(plan: AddressPlan, net: NetworkId, gateway: HostId, index: PeerIndex): bigint {
  return peerPrefix(plan, net, gateway, index).base + 2n;
}

/** The network's DNS and API address, `fdaa:NNNN:NNNN::3` (host slot 0). */
export function networkDnsAddress(plan: AddressPlan, net: NetworkId): bigint {
  return networkPrefix(plan, net).base | 3n;
}

/**
 * An app's service address: host slot 0 of its network, the service number as the instance id, `:2` —
 * `fdaa:NNNN:NNNN:0:0:SSSS:SSSS:2`. Load-balanced by nftables over the app's serving instances.
 */
export function serviceAddress(plan: AddressPlan, net: NetworkId, s: ServiceNum): bigint {
  return networkPrefix(plan, net).base | (BigInt(s) << 16n) | 2n;
}

/** The network and service number of a service address of the plan, or undefined for any other address. */
export function serviceOf(
  plan: AddressPlan,
  addr: bigint,
): { network: NetworkId; service: ServiceNum } | undefined {
  const p = classify(plan, addr);
  if (p?.host !== 0 || p.instance === 0 || p.low !== 2) return undefined;
  return { network: p.network, service: p.instance as ServiceNum };
}

/** The resolver every instance uses, `fdaa::3`, answered by the agent of its host. */
export function hostResolverAddress(plan: AddressPlan): bigint {
  return (BigInt(plan.prefix) << 112n) | 3n;
}

/** Which network an address belongs to (bits 16–47), or undefined outside the plan or in network 0. */
export function networkOf(plan: AddressPlan, addr: bigint): NetworkId | undefined {
  if (addr >> 112n !== BigInt(plan.prefix)) return undefined;
  const n = Number((addr >> 80n) & 0xffff_ffffn);
  return n === 0 ? undefined : (n as NetworkId);
}

export interface AddressParts {
  network: NetworkId;
  /** 0 for the service slot. */
  host: number;
  /** Bits 80–111. */
  instance: number;
  /** Bits 112–127. */
  low: number;
}

/** Splits an address of the plan into its fields; undefined when it is outside the plan or network 0. */
export function classify(plan: AddressPlan, addr: bigint): AddressParts | undefined {
  const network = networkOf(plan, addr);
  if (network === undefined) return undefined;
  return {
    network,
    host: Number((addr >> 48n) & 0xffff_ffffn),
    instance: Number((addr >> 16n) & 0xffff_ffffn),
    low: Number(addr & 0xffffn),
  };
}

/** Same network /48? The forwarding rule of every host and gateway. */
export function sameNetwork(plan: AddressPlan, a: bigint, b: bigint): boolean {
  const na = networkOf(plan, a);
  return na !== undefined && na === networkOf(plan, b);
}

// ---------------------------------------------------------------------------------------------------------
// Allocation (pure: the store supplies what is taken and the randomness)

/**
 * Picks a free 32-bit instance number: random (so ids do not leak creation order), retrying on collision.
 * `taken` is consulted per candidate; the store's unique constraint is the final word under concurrency.
 */
export function pickInstanceNum(taken: (n: number) => boolean, random: () => number): InstanceNum {
  for (let i = 0; i < 64; i++) {
    const n = 1 + Math.floor(random() * MAX_U32);
    if (n >= 1 && n <= MAX_U32 && !taken(n)) return n as InstanceNum;
  }
  throw new SixpnError(
    'resource_exhausted',
    'no free instance number found after 64 tries; the host slot is too full: place the instance on another host',
  );
}

/** What a gateway's slot of a network holds: `count` distinct peer indexes from `min` to `max` (0, 0 when empty). */
export interface SlotIndexes {
  count: number;
  min: number;
  max: number;
}

/**
 * The lowest free peer index of a slot when its count and bounds tell it (empty, 1 free, or no gap: the one after
 * the last), so a slot of thousands of peers is not read in full; undefined when it has a gap, whose start the
 * caller looks up and passes to {@link peerIndexAfter}.
 */
export function peerIndexFromBounds(s: SlotIndexes): PeerIndex | undefined {
  if (s.count === 0 || s.min > 1) return 1 as PeerIndex;
  return s.count === s.max ? peerIndexAfter(s.max) : undefined;
}

/** The peer index after `last` (a taken index whose next one is free). */
export function peerIndexAfter(last: number): PeerIndex {
  if (last < MAX_PEER_INDEX) return (last + 1) as PeerIndex;
  throw new SixpnError(
    'resource_exhausted',
    'the gateway slot has no free peer address; use another gateway',
  );
}

/** Instance ids are the 8-hex-digit form of the instance number: readable, and a valid DNS label. */
export function instanceIdOf(inst: InstanceNum): string {
  return inst.toString(16).padStart(8, '0');
}

export function instanceNumOfId(id: string): InstanceNum | undefined {
  if (!/^[0-9a-f]{8}$/.test(id)) return undefined;
  const n = Number.parseInt(id, 16);
  return n === 0 ? undefined : (n as InstanceNum);
}
