// Who each service address is balanced over on one machine: the app's serving instances in the machine's region
// when any serve there (its instances' or peers' region: the asker's), else all of them. Pure.

import { type AddressPlan, type NetworkId, serviceOf, tryParseIPv6 } from './address.ts';
import type { Instance } from './model.ts';
import type { ServiceBalance } from './nft/service-lb.ts';
import { isServing } from './serving.ts';
import type { LocalState } from './state.ts';

/**
 * The balances for every app with a service address in one of `networks` (the networks present on the machine),
 * members nearest-region first as above. Apps whose address is not a service address of `plan` in their own
 * network are skipped (a record the machine must not trust). Sorted by address.
 */
export function serviceBalances(
  state: LocalState,
  plan: AddressPlan,
  region: string,
  networks: readonly NetworkId[],
): ServiceBalance[] {
  const present = new Set<number>(networks);
  const apps = state
    .all('app')
    .filter((a) => a.private_network && a.service_address && present.has(a.network_num));
  if (apps.length === 0) return [];
  const byApp = new Map<string, Instance[]>();
  for (const i of state.all('instance')) {
    if (!present.has(i.network_num) || i.address === null) continue;
    const key = `${i.org}\0${i.app}`;
    const list = byApp.get(key);
    if (list) list.push(i);
    else byApp.set(key, [i]);
  }
  const out: ServiceBalance[] = [];
  for (const a of apps) {
    const address = tryParseIPv6(a.service_address ?? '');
    if (address === undefined || serviceOf(plan, address)?.network !== a.network_num) continue;
    const serving = (byApp.get(`${a.org}\0${a.name}`) ?? []).filter(
      (i) => i.network_num === a.network_num && isServing(i, a),
    );
    const near = serving.filter((i) => i.region === region);
    const members: bigint[] = [];
    for (const i of near.length > 0 ? near : serving) {
      const m = tryParseIPv6(i.address ?? '');
      if (m !== undefined) members.push(m);
    }
    out.push({ address, members });
  }
  return out.sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0));
}
