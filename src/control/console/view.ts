// What the console's pages show, computed from a snapshot: the map's projection, what needs attention first,
// counts, human ages and sizes, and the cells fed by fields other features add (checks, service addresses,
// agent revisions, usage): each shows "—" until its field exists. Pure.

import type { App, Host, Instance, PeerStatus, Region, Snapshot } from '../../core/model.ts';

/** A point of the overview's map: longitude/latitude on a 360×180 equirectangular plane. */
export function project(lat: number, lon: number): { x: number; y: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return { x: clamp(lon, -180, 180) + 180, y: 90 - clamp(lat, -90, 90) };
}

export interface RegionView {
  region: Region;
  hosts: Host[];
  gateways: Host[];
  instances: number;
}

/** Each region with its hosts, gateways and (visible) instances, sorted by code. */
export function regionViews(s: Pick<Snapshot, 'regions' | 'hosts' | 'instances'>): RegionView[] {
  return [...s.regions]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((region) => ({
      region,
      hosts: s.hosts.filter((h) => h.region === region.code && h.role === 'host'),
      gateways: s.hosts.filter((h) => h.region === region.code && h.role === 'gateway'),
      instances: s.instances.filter((i) => i.region === region.code).length,
    }));
}

/** The health-check summary of an instance, once health checks report one; undefined until then. */
export function checksOf(i: Instance): string | undefined {
  const c = (i as Instance & { checks?: unknown }).checks;
  if (typeof c === 'string') return c;
  if (c !== null && typeof c === 'object') {
    const o = c as { status?: unknown; passing?: unknown; total?: unknown };
    if (typeof o.passing === 'number' && typeof o.total === 'number')
      return `${o.passing}/${o.total} passing`;
    if (typeof o.status === 'string') return o.status;
  }
  return undefined;
}

/** True when the instance's checks report a failure (never true before health checks exist). */
export function failing(i: Instance): boolean {
  const c = checksOf(i);
  return c !== undefined && /fail|critical/i.test(c);
}

/** The app's service address, once service addresses exist. */
export const serviceAddressOf = (a: App): string | undefined => {
  const v = (a as App & { service_address?: unknown }).service_address;
  return typeof v === 'string' ? v : undefined;
};

/** The revision a host's agent last applied, once agents report it. */
export const agentRevisionOf = (h: Host): number | undefined => {
  const v = (h as Host & { agent_revision?: unknown }).agent_revision;
  return typeof v === 'number' ? v : undefined;
};

export interface Attention {
  what: string;
  why: string;
}

/** Peers whose last handshake is older than this are listed as not connected. */
export const STALE_HANDSHAKE_MS = 3 * 60_000;

/** What needs a look, most serious first: unregistered hosts and gateways, failing checks, silent peers. */
export function attention(s: Snapshot, statuses: readonly PeerStatus[], now: Date): Attention[] {
  const out: Attention[] = [];
  for (const h of s.hosts) {
    if (h.registered_at === null)
      out.push({ what: `${h.role} ${h.name}`, why: 'its agent has not registered yet' });
  }
  for (const i of s.instances) {
    if (failing(i)) out.push({ what: `instance ${i.id} of ${i.app}`, why: `checks: ${checksOf(i)}` });
  }
  const byName = new Map(statuses.map((st) => [st.peer, st]));
  for (const p of s.peers) {
    const st = byName.get(p.name);
    const hs = st?.last_handshake ? Date.parse(st.last_handshake) : undefined;
    if (hs !== undefined && now.getTime() - hs > STALE_HANDSHAKE_MS) {
      out.push({ what: `peer ${p.name}`, why: `no handshake for ${ageText(hs, now)}` });
    }
  }
  return out;
}

/** `12 s`, `4 min`, `3 h`, `2 d`. */
export function ageText(ms: number, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - ms) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Started and total instances. */
export function instanceCounts(instances: readonly Instance[]): { started: number; total: number } {
  return { started: instances.filter((i) => i.state === 'started').length, total: instances.length };
}
