// The positional arguments of `sixpn wireguard …` (org, region, peer name), parsed once for every subcommand.

import { invalid } from '../../core/errors.ts';
import { checkLabel, checkRegion, PEER_NAME_RE } from '../../core/names.ts';
import type { CliContext } from '../context.ts';
import { flagOf } from '../flags.ts';

export const orgArg = flagOf((v) => checkLabel('org name', v));
export const regionArg = flagOf((v) => checkRegion('region', v));
export const peerName = flagOf((v) => {
  if (!PEER_NAME_RE.test(v)) {
    throw invalid(`peer name '${v}' is not valid: use letters, digits and "-", 1–63 characters`, {
      field: 'name',
    });
  }
  return v.toLowerCase();
});

/** `[org] [name]` where one argument alone is the name (the org then comes from the token or sixpn.toml). */
export async function orgAndName(ctx: CliContext, a: string | undefined, b: string | undefined) {
  const [org, name] = b === undefined ? [undefined, a] : [a, b];
  if (name === undefined) {
    throw invalid('which peer? pass its name (see `sixpn wireguard list`)', { field: 'name' });
  }
  return { org: await ctx.org(org === undefined ? undefined : orgArg(org)), name: peerName(name) };
}
