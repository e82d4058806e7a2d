// Which network asks: bits 16–47 of the source address (DESIGN.md), memoised per address string because the
// hot path gets the source as text from dgram, or the network a listening address is bound to (fdaa:N:N::3).

import { type AddressPlan, networkDnsAddress, networkOf, tryParseIPv6 } from '../core/address.ts';
import { NO_NETWORK } from '../core/dns/responder.ts';

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
