// The agent's usage table: the instances of this host and the fleet's hosts, for the shared usage task
// (runtime/usage-task.ts).

import type { AddressPlan, HostId } from '../core/address.ts';
import { buildUsage, USAGE_TABLE, type UsageSpec, usageCounters } from '../core/nft/usage.ts';
import type { LocalState } from '../core/state.ts';
import type { UsageTable } from '../runtime/usage-task.ts';
import { hostIfaceOf, localInstances } from './desired.ts';

/** The usage table this host should have, or undefined while the state does not know the host yet. Pure. */
export function usageSpec(
  state: LocalState,
  host: string,
  region: string,
  plan: AddressPlan,
): UsageSpec | undefined {
  const hosts = state.all('host');
  const me = hosts.find((h) => h.name === host);
  if (!me) return undefined;
  return {
    table: USAGE_TABLE,
    plan,
    self: me.num as HostId,
    region,
    hosts: hosts.map((h) => ({ num: h.num, region: h.region })).sort((a, b) => a.num - b.num),
    instances: localInstances(state, host)
      .filter((i) => i.address !== null)
      .map((i) => ({ id: i.id, iface: hostIfaceOf(i.id) })),
  };
}

/** The agent's table for {@link runUsageTask}. */
export function agentUsageTable(
  state: LocalState,
  host: string,
  region: string,
  plan: AddressPlan,
): UsageTable<UsageSpec> {
  return {
    name: USAGE_TABLE,
    spec: () => usageSpec(state, host, region, plan),
    build: buildUsage,
    counters: usageCounters,
  };
}
