// The parts of an instance creation both backends share: its object and row on a host, the pinned-host check,
// and a free instance number.

import {
  asHostId,
  asNetworkId,
  formatIPv6,
  type InstanceNum,
  instanceAddress,
  instanceIdOf,
  pickInstanceNum,
} from '../../core/address.ts';
import { invalid } from '../../core/errors.ts';
import type { App, Host, Instance, InstanceState } from '../../core/model.ts';
import { failedPrecondition } from './precondition.ts';
import type { Db } from './schema.ts';
import type { StoreContext } from './write.ts';

/** What an instance row refers to: its app with the row ids of its org and network. */
export type AppRefs = App & { org_id: string; network_id: string };

/** The instance `app` gets on `host` with number `num`: the wire object and the row. */
export function newInstance(
  ctx: StoreContext,
  app: AppRefs,
  host: Host,
  num: InstanceNum,
  state: InstanceState,
  at: string,
) {
  const obj: Instance = {
    id: instanceIdOf(num),
    app: app.name,
    org: app.org,
    network: app.network,
    network_num: app.network_num,
    region: host.region,
    host: host.name,
    host_num: host.num,
    state,
    address: app.private_network
      ? formatIPv6(instanceAddress(ctx.plan, asNetworkId(app.network_num), asHostId(host.num), num))
      : null,
    health: null,
    created_at: at,
    updated_at: at,
  };
  const row = {
    id: obj.id,
    num,
    app_id: app.id,
    org_id: app.org_id,
    network_id: app.network_id,
    host_id: host.id,
    state,
    address: obj.address,
    health: null,
    created_at: at,
    updated_at: at,
  };
  return { obj, row };
}

/** `host`, when an instance of `region` may be pinned to it. */
export function checkPinned(host: Host, region: string): Host {
  if (host.role !== 'host') {
    throw failedPrecondition(`'${host.name}' is a gateway; instances run on hosts of role host`);
  }
  if (host.region !== region) {
    throw failedPrecondition(`host '${host.name}' is in region '${host.region}', not '${region}'`);
  }
  return host;
}

/**
 * A random instance number whose id is not taken anywhere (ids are unique across the fleet). `tried` holds
 * numbers already found taken.
 */
export async function freeInstanceNum(
  ctx: StoreContext,
  db: Db,
  tried = new Set<number>(),
): Promise<InstanceNum> {
  for (let i = tried.size; i < 16; i++) {
    const num = pickInstanceNum((n) => tried.has(n), ctx.random);
    const taken = await db
      .selectFrom('instances')
      .select('id')
      .where('id', '=', instanceIdOf(num))
      .executeTakeFirst();
    if (!taken) return num;
    tried.add(num);
  }
  throw invalid('no free instance number found after 16 tries; check the store random source');
}
