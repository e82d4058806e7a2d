// What a host token may do with instances: create them on itself and read, start, stop and delete the ones on
// itself, for the orgs or networks an admin granted it (`sixpn hosts allow`). Everything else is 403: a host
// token already reads the whole fleet's state, so there is nothing to hide by answering 404.

import { SixpnError } from '../../core/errors.ts';
import type { Instance } from '../../core/model.ts';
import type { Principal } from '../auth.ts';
import type { Deps } from './route.ts';

const denied = (message: string) => new SixpnError('permission_denied', message);

async function checkGrant(p: Principal, deps: Deps, org: string, network: string): Promise<void> {
  const host = p.host as string;
  if (await deps.store.hostMayPlace(host, org, network)) return;
  throw denied(
    `host '${host}' may not place instances of org '${org}' (network '${network}'); an admin allows it with ` +
      `\`sixpn hosts allow ${host} --org ${org} [--network ${network}]\``,
  );
}

/** The placement of an instance a host creates: pinned to itself, in its region, when granted. */
export async function hostPlacement(
  p: Principal,
  deps: Deps,
  params: { org: string; app: string },
  body: { region?: string | undefined; host?: string | undefined },
): Promise<{ host: string; region: string }> {
  const host = p.host as string;
  if (body.host !== undefined && body.host !== host) {
    throw denied(`a host token places instances only on its own host '${host}', not on '${body.host}'`);
  }
  const h = await deps.store.getHost(host);
  if (body.region !== undefined && body.region !== h.region) {
    throw new SixpnError(
      'invalid_argument',
      `host '${host}' is in region '${h.region}', not '${body.region}'`,
      {
        details: { field: 'region' },
      },
    );
  }
  const app = await deps.store.getApp(params.org, params.app);
  await checkGrant(p, deps, params.org, app.network);
  return { host, region: h.region };
}

/** Throws unless a host token may act on `inst`: on itself, and still granted. */
export async function checkHostInstance(p: Principal, deps: Deps, inst: Instance): Promise<void> {
  if (inst.host !== p.host) {
    throw denied(
      `instance '${inst.id}' is on host '${inst.host}'; a host token acts only on its own instances`,
    );
  }
  await checkGrant(p, deps, inst.org, inst.network);
}
