// Names of the per-network drop counters in the sixpn nftables table (`drop_<network id as 8 hex digits>`).

import type { NetworkId } from '../address.ts';

/** The named counter of drops charged to a network. */
export function dropCounterName(net: NetworkId): string {
  return `drop_${net.toString(16).padStart(8, '0')}`;
}

/** The network of a counter name made by {@link dropCounterName}, or undefined for any other name. */
export function networkOfCounter(name: string): NetworkId | undefined {
  const m = /^drop_([0-9a-f]{8})$/.exec(name);
  if (!m) return undefined;
  const n = Number.parseInt(m[1]!, 16);
  return n === 0 ? undefined : (n as NetworkId);
}
