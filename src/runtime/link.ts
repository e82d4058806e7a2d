// Links, addresses and routes through `ip` (iproute2), read back with `ip -j`. Idempotent ensure/remove helpers.
// `ns` undefined means the current namespace; sixpn creates root-namespace links only with `sx` names.

import { formatIPv6, parseIPv6 } from '../core/address.ts';
import { invalid } from '../core/errors.ts';
import {
  canonicalAddr,
  type LinkInfo,
  type ObservedNs,
  parseAddresses,
  parseAddrShow,
  parseLinks,
  parseRouteShow,
  parseRoutes,
} from '../core/iproute.ts';
import { checkIfaceName, checkOwnIfaceName } from '../core/names.ts';
import { run } from './exec.ts';
import { checkNetnsName } from './netns.ts';

function ipArgs(ns: string | undefined, args: readonly string[]): string[] {
  return ns === undefined ? [...args] : ['-n', ns, ...args];
}

/** Names sixpn may create or delete: `sx…` in the root namespace; any valid name inside a sixpn namespace. */
export function checkOwnedLink(ns: string | undefined, name: string): void {
  if (ns === undefined) checkOwnIfaceName('interface', name);
  else checkIfaceName('interface', name);
  if (ns !== undefined) checkNetnsName(ns);
}

/** Every link of `ns` with its addresses, and the IPv6 routes of the main table. */
export async function readNamespace(ns: string | undefined, signal?: AbortSignal): Promise<ObservedNs> {
  const [addrs, routes] = await Promise.all([
    run('ip', ipArgs(ns, ['-j', 'addr', 'show']), { signal }),
    run('ip', ipArgs(ns, ['-j', '-6', 'route', 'show']), { signal }),
  ]);
  return { links: parseAddrShow(addrs.stdout), routes: parseRouteShow(routes.stdout) };
}

/**
 * Runs `lines` (iproute2 commands without `ip`) in `ns` as one `ip -batch`: one process however many; the first
 * failing line stops the rest and throws. `ifaces` are the interfaces they name (checked: valid names).
 */
export async function ipBatch(ns: string | undefined, ifaces: readonly string[], lines: readonly string[]) {
  if (lines.length === 0) return;
  for (const i of ifaces) checkIfaceName('interface', i);
  for (const l of lines)
    if (/[\n#]/.test(l)) throw invalid(`refusing an ip batch line with a newline or #: ${l}`);
  await run('ip', ipArgs(ns, ['-batch', '-']), { input: `${lines.join('\n')}\n` });
}

export async function listLinks(ns: string | undefined, signal?: AbortSignal): Promise<LinkInfo[]> {
  return parseLinks((await run('ip', ipArgs(ns, ['-j', 'link', 'show']), { signal })).stdout);
}

export async function getLink(ns: string | undefined, name: string, signal?: AbortSignal) {
  return (await listLinks(ns, signal)).find((l) => l.name === name);
}

/**
 * Ensures a veth pair: `name` in `ns`, its peer `peer` in `peerNs` (created there directly, so a peer named
 * `eth0` never meets the machine's own). A half-existing pair is replaced.
 */
export async function ensureVethPair(
  p: { ns?: string; name: string; peerNs: string; peer: string; mtu?: number },
  signal?: AbortSignal,
): Promise<void> {
  checkOwnedLink(p.ns, p.name);
  checkOwnedLink(p.peerNs, p.peer);
  const here = await getLink(p.ns, p.name, signal);
  const there = await getLink(p.peerNs, p.peer, signal);
  if (here && there) return;
  if (here) await removeLink(p.ns, p.name, signal);
  if (there) await removeLink(p.peerNs, p.peer, signal);
  const mtu = p.mtu === undefined ? [] : ['mtu', String(p.mtu)];
  await run(
    'ip',
    ipArgs(p.ns, [
      'link',
      'add',
      p.name,
      ...mtu,
      'type',
      'veth',
      'peer',
      'name',
      p.peer,
      ...mtu,
      'netns',
      p.peerNs,
    ]),
    { signal },
  );
}

/** Deletes a link if it exists (a veth takes its peer with it). */
export async function removeLink(ns: string | undefined, name: string, signal?: AbortSignal): Promise<void> {
  checkOwnedLink(ns, name);
  if (await getLink(ns, name, signal)) await run('ip', ipArgs(ns, ['link', 'del', name]), { signal });
}

/** Sets MTU and up/down state when they differ from what is asked. */
export async function ensureLinkState(
  ns: string | undefined,
  name: string,
  want: { up?: boolean; mtu?: number },
  signal?: AbortSignal,
): Promise<void> {
  const l = await getLink(ns, name, signal);
  if (!l) throw invalid(`interface '${name}' does not exist${ns ? ` in ${ns}` : ''}`);
  const args: string[] = [];
  if (want.mtu !== undefined && want.mtu !== l.mtu) args.push('mtu', String(want.mtu));
  if (want.up !== undefined && want.up !== l.up) args.push(want.up ? 'up' : 'down');
  if (args.length > 0) await run('ip', ipArgs(ns, ['link', 'set', 'dev', name, ...args]), { signal });
}

export async function listAddresses(ns: string | undefined, dev: string, signal?: AbortSignal) {
  return parseAddresses((await run('ip', ipArgs(ns, ['-j', 'addr', 'show', 'dev', dev]), { signal })).stdout);
}

/**
 * Makes the global addresses of `dev` exactly `want` (`addr/len` each): adds the missing ones (without
 * duplicate address detection, so they are usable at once) and removes other global ones. Link-local
 * addresses may be asked for (e.g. a fixed `fe80::1/64` gateway) but are never removed.
 */
export async function syncAddresses(
  ns: string | undefined,
  dev: string,
  want: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  const wanted = new Set(want.map(canonicalAddr));
  const have = await listAddresses(ns, dev, signal);
  const present = new Set(have.map((a) => `${a.local}/${a.prefixlen}`));
  for (const a of have) {
    const text = `${a.local}/${a.prefixlen}`;
    if (a.scope === 'global' && !wanted.has(text)) {
      await run('ip', ipArgs(ns, ['addr', 'del', text, 'dev', dev]), { signal });
    }
  }
  for (const a of wanted) {
    if (present.has(a)) continue;
    const nodad = a.includes(':') ? ['nodad'] : [];
    await run('ip', ipArgs(ns, ['addr', 'add', a, 'dev', dev, ...nodad]), { signal });
  }
}

export async function listRoutes(ns: string | undefined, family: 4 | 6, signal?: AbortSignal) {
  return parseRoutes((await run('ip', ipArgs(ns, ['-j', `-${family}`, 'route', 'show']), { signal })).stdout);
}

export interface RouteSpec {
  /** `default` or a CIDR. */
  dst: string;
  dev?: string;
  via?: string;
  src?: string;
}

function routeFamily(r: RouteSpec): 4 | 6 {
  const probe = r.dst === 'default' ? (r.via ?? r.src ?? '') : r.dst;
  return probe.includes(':') ? 6 : 4;
}

/** The destination as `ip -j route` prints it: host routes without their /128 or /32. */
function canonicalDst(dst: string): string {
  if (dst === 'default') return dst;
  const v6 = dst.includes(':');
  const c = canonicalAddr(dst.includes('/') ? dst : `${dst}/${v6 ? 128 : 32}`);
  const host = v6 ? '/128' : '/32';
  return c.endsWith(host) ? c.slice(0, -host.length) : c;
}

/** Adds or fixes a route (`ip route replace`) unless one with the same destination, device and gateway exists. */
export async function ensureRoute(ns: string | undefined, r: RouteSpec, signal?: AbortSignal): Promise<void> {
  const fam = routeFamily(r);
  const dst = canonicalDst(r.dst);
  const via = r.via && fam === 6 ? formatIPv6(parseIPv6(r.via)) : r.via;
  const src = r.src && fam === 6 ? formatIPv6(parseIPv6(r.src)) : r.src;
  const same = (await listRoutes(ns, fam, signal)).some(
    (x) =>
      x.dst === dst &&
      (r.dev === undefined || x.dev === r.dev) &&
      x.gateway === via &&
      (src === undefined || x.prefsrc === src),
  );
  if (same) return;
  const args = ['route', 'replace', dst];
  if (via) args.push('via', via);
  if (r.dev) args.push('dev', r.dev);
  if (src) args.push('src', src);
  await run('ip', ipArgs(ns, [`-${fam}`, ...args]), { signal });
}

/** Removes the routes to `dst` if there are any. */
export async function removeRoute(ns: string | undefined, dst: string, signal?: AbortSignal): Promise<void> {
  const fam: 4 | 6 = dst.includes(':') ? 6 : 4;
  const d = canonicalDst(dst);
  if ((await listRoutes(ns, fam, signal)).some((x) => x.dst === d)) {
    await run('ip', ipArgs(ns, [`-${fam}`, 'route', 'del', d]), { signal });
  }
}
