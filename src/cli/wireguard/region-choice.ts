// Which region a new WireGuard peer joins: the argument, else SIXPN_WG_REGION, else the region with a gateway
// nearest (great circle) to the caller's own region. Pure: the command supplies regions and gateways.

import { greatCircleKm } from '../../core/dns/geo.ts';
import { invalid, SixpnError } from '../../core/errors.ts';
import type { Host, Region } from '../../core/model.ts';

export interface RegionChoiceInput {
  /** The `[region]` argument. */
  arg?: string | undefined;
  /** SIXPN_WG_REGION. */
  wgEnv?: string | undefined;
  /** The caller's configured region (SIXPN_REGION, or `region` in the login file). */
  home?: string | undefined;
  regions: readonly Pick<Region, 'code' | 'lat' | 'lon'>[];
  gateways: readonly Pick<Host, 'region' | 'peer_key' | 'peer_endpoint'>[];
}

export interface RegionChoice {
  region: string;
  /** Why this region, for the line `create` prints. */
  why: string;
}

/** Regions with at least one gateway, sorted; registered ones only when there are any. */
export function gatewayRegions(gateways: RegionChoiceInput['gateways']): string[] {
  const ready = gateways.filter((g) => g.peer_key !== null && g.peer_endpoint !== null);
  return [...new Set((ready.length > 0 ? ready : gateways).map((g) => g.region))].sort();
}

function noGateway(region: string, have: string[]): SixpnError {
  const where =
    have.length > 0
      ? `regions with a gateway: ${have.join(', ')}`
      : 'no region has a gateway yet (an admin creates one with `sixpn gateways create NAME --region CODE`)';
  return new SixpnError('failed_precondition', `region '${region}' has no WireGuard gateway; ${where}`, {
    details: { region, gateway_regions: have },
  });
}

/**
 * The region to create the peer in. Throws `failed_precondition` naming the regions that have a gateway when
 * the asked region has none, and `invalid_argument` when nothing says which region to use.
 */
export function chooseRegion(input: RegionChoiceInput): RegionChoice {
  const all = [...new Set(input.gateways.map((g) => g.region))].sort();
  const have = gatewayRegions(input.gateways);
  const asked = input.arg ?? (input.wgEnv?.trim() || undefined);
  if (asked !== undefined) {
    if (!all.includes(asked)) throw noGateway(asked, have);
    return { region: asked, why: input.arg !== undefined ? 'as asked' : 'from SIXPN_WG_REGION' };
  }
  if (have.length === 0) {
    throw new SixpnError(
      'failed_precondition',
      'no region has a WireGuard gateway yet; an admin creates one with `sixpn gateways create NAME --region CODE` and starts `sixpn gateway` there',
    );
  }
  const home = input.home?.trim() || undefined;
  const at = (code: string) => input.regions.find((r) => r.code === code);
  const origin = home === undefined ? undefined : at(home);
  if (origin === undefined) {
    if (have.length === 1) return { region: have[0]!, why: 'the only region with a gateway' };
    const hint =
      home === undefined ? 'no SIXPN_REGION is set' : `your region '${home}' is not a known region`;
    throw invalid(`which region? ${hint}; pass REGION (or set SIXPN_WG_REGION), one of: ${have.join(', ')}`, {
      field: 'region',
    });
  }
  let best: { code: string; km: number } | undefined;
  for (const code of have) {
    const r = at(code);
    if (r === undefined) continue;
    const km = greatCircleKm(origin.lat, origin.lon, r.lat, r.lon);
    if (best === undefined || km < best.km || (km === best.km && code < best.code)) best = { code, km };
  }
  if (best === undefined) return { region: have[0]!, why: 'the first region with a gateway' };
  const why = best.code === home ? `your region (${home})` : `nearest to ${home} (${Math.round(best.km)} km)`;
  return { region: best.code, why };
}
