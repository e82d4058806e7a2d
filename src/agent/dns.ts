// The host's `.internal` resolver: the DNS server of src/dns on [fdaa::3]:53 (UDP and TCP) in the host namespace,
// fed by the agent's zone index. The asker's network comes from its source address; its region is the host's.

import type { AddressPlan } from '../core/address.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { type DnsServer, runDns } from '../dns/run-dns.ts';
import type { Logger } from '../lib/log.ts';
import type { AgentSeams } from './observe.ts';

export interface AgentDnsOptions {
  seams: Pick<AgentSeams, 'net'>;
  zone: ZoneIndex;
  /** `fdaa::3/128`: put on the loopback before binding (the reconciler keeps it there). */
  dnsAddress: string;
  region: string;
  plan: AddressPlan;
  upstreams: readonly string[] | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Default 53. */
  port?: number;
}

export async function startAgentDns(o: AgentDnsOptions): Promise<DnsServer> {
  const lo = (await o.seams.net.readNs()).links.get('lo');
  if (!lo?.up || !lo.addrs.includes(o.dnsAddress)) {
    await o.seams.net.batch(undefined, [
      { do: 'link-set', iface: 'lo', up: true },
      { do: 'addr-add', iface: 'lo', addr: o.dnsAddress },
    ]);
  }
  const address = o.dnsAddress.slice(0, o.dnsAddress.indexOf('/'));
  return runDns({
    listen: [{ address, port: o.port ?? 53 }],
    zone: o.zone,
    ...(o.upstreams ? { upstreams: o.upstreams } : {}),
    region: o.region,
    plan: o.plan,
    logger: o.logger,
    signal: o.signal,
  });
}
