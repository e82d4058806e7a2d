// Which network asks: bits 16–47 of the source address (DESIGN.md) — read from the raw sockaddr bytes on the
// batched UDP path, memoised per address string where the source comes as text (node:dgram, TCP) — or the
// network a listening address is bound to (fdaa:N:N::3).

import { type AddressPlan, networkDnsAddress, networkOf, tryParseIPv6 } from '../core/address.ts';
import { NO_NETWORK } from '../core/dns/responder.ts';
import { AF_INET6, sockaddrFamily } from './sockaddr.ts';

const MAX_CACHED = 65_536;

export class SourceNetworks {
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly plan: AddressPlan,
    /** Network for askers outside every network (debugging); NO_NETWORK means REFUSED. */
    private readonly fallback: number = NO_NETWORK,
  ) {}

  /** The network of a source address as dgram/net report it (`fdaa:…`, `::ffff:1.2.3.4`, `127.0.0.1`). */
  of(address: string): number {
    const hit = this.cache.get(address);
    if (hit !== undefined) return hit;
    const v = tryParseIPv6(address.split('%')[0] ?? '');
    const n = v === undefined ? undefined : networkOf(this.plan, v);
    const net = n ?? this.fallback;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(address, net);
    return net;
  }

  /**
   * The network of the sockaddr at `off` (sockaddr.ts), as {@link of} gives for its text: only an AF_INET6
   * address in the plan's prefix with a non-zero network has one; IPv4 and v4-mapped sources get the fallback.
   */
  ofSockaddr(b: Uint8Array, off: number): number {
    if (sockaddrFamily(b, off) !== AF_INET6) return this.fallback;
    const a = off + 8;
    if (((b[a]! << 8) | b[a + 1]!) !== this.plan.prefix) return this.fallback;
    const n = ((b[a + 2]! << 24) | (b[a + 3]! << 16) | (b[a + 4]! << 8) | b[a + 5]!) >>> 0;
    return n === 0 ? this.fallback : n;
  }
}

/**
 * The network a listening address serves when it is a network's DNS address `fdaa:N:N::3` (the gateway case:
 * every query arriving there is network N's); undefined for any other address (then the source decides).
 */
export function boundNetwork(plan: AddressPlan, host: string): number | undefined {
  const v = tryParseIPv6(host);
  if (v === undefined) return undefined;
  const n = networkOf(plan, v);
  return n !== undefined && networkDnsAddress(plan, n) === v ? n : undefined;
}
