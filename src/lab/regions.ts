// The lab's built-in region table (codes like ord, nrt, ams with their airports' latitude/longitude) and the
// `--regions ord:2,nrt:1` / `--gateways ord` parsers. Pure.

import { invalid } from '../core/errors.ts';

export interface KnownRegion {
  code: string;
  name: string;
  lat: number;
  lon: number;
}

const TABLE: readonly (readonly [string, string, number, number])[] = [
  ['ams', 'Amsterdam', 52.31, 4.77],
  ['arn', 'Stockholm', 59.65, 17.93],
  ['atl', 'Atlanta', 33.64, -84.43],
  ['bog', 'Bogotá', 4.7, -74.14],
  ['bom', 'Mumbai', 19.09, 72.87],
  ['bos', 'Boston', 42.36, -71.01],
  ['cdg', 'Paris', 49.01, 2.55],
  ['den', 'Denver', 39.86, -104.67],
  ['dfw', 'Dallas', 32.9, -97.04],
  ['ewr', 'Secaucus', 40.69, -74.17],
  ['eze', 'Buenos Aires', -34.82, -58.54],
  ['fra', 'Frankfurt', 50.04, 8.56],
  ['gru', 'São Paulo', -23.43, -46.47],
  ['hkg', 'Hong Kong', 22.31, 113.92],
  ['iad', 'Ashburn', 38.94, -77.46],
  ['jnb', 'Johannesburg', -26.14, 28.24],
  ['lax', 'Los Angeles', 33.94, -118.41],
  ['lhr', 'London', 51.47, -0.45],
  ['mad', 'Madrid', 40.47, -3.56],
  ['mia', 'Miami', 25.79, -80.29],
  ['nrt', 'Tokyo', 35.77, 140.39],
  ['ord', 'Chicago', 41.98, -87.9],
  ['otp', 'Bucharest', 44.57, 26.1],
  ['scl', 'Santiago', -33.39, -70.79],
  ['sea', 'Seattle', 47.45, -122.31],
  ['sin', 'Singapore', 1.36, 103.99],
  ['sjc', 'San Jose', 37.36, -121.93],
  ['syd', 'Sydney', -33.94, 151.18],
  ['waw', 'Warsaw', 52.17, 20.97],
  ['yul', 'Montréal', 45.47, -73.74],
  ['yyz', 'Toronto', 43.68, -79.63],
];

export const KNOWN_REGIONS: ReadonlyMap<string, KnownRegion> = new Map(
  TABLE.map(([code, name, lat, lon]) => [code, { code, name, lat, lon }]),
);

/** The region of `code`, or an `invalid_argument` error that names every known code. */
export function knownRegion(code: string): KnownRegion {
  const r = KNOWN_REGIONS.get(code);
  if (r) return r;
  throw invalid(`unknown lab region '${code}'; known regions: ${[...KNOWN_REGIONS.keys()].join(', ')}`, {
    field: 'regions',
  });
}

export interface RegionCount {
  code: string;
  hosts: number;
}

/** Most hosts plus gateways one lab holds (underlay addresses 198.18.1.1–198.18.1.N). */
export const MAX_LAB_NODES = 200;

/**
 * Parses `ord:2,nrt:1` (a bare `ams` means one host): regions in the order given, each once, known to the table,
 * 1–{@link MAX_LAB_NODES} hosts each.
 */
export function parseRegionCounts(text: string): RegionCount[] {
  const out: RegionCount[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const m = /^([a-z0-9]+)(?::(\d+))?$/.exec(part);
    if (!m) throw invalid(`--regions '${part}' is not CODE or CODE:COUNT (for example ord:2,nrt:1)`);
    const code = knownRegion(m[1] ?? '').code;
    const hosts = m[2] === undefined ? 1 : Number(m[2]);
    if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_LAB_NODES) {
      throw invalid(`--regions ${code}:${m[2]}: the host count must be from 1 to ${MAX_LAB_NODES}`);
    }
    if (out.some((r) => r.code === code)) throw invalid(`--regions names ${code} twice`);
    out.push({ code, hosts });
  }
  if (out.length === 0) throw invalid('--regions is empty; give at least one, like ord:2,nrt:1');
  return out;
}

/** Parses `ord,nrt` (or an empty string: no gateways); each a known region, each once. */
export function parseGatewayRegions(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const code = knownRegion(part).code;
    if (out.includes(code)) throw invalid(`--gateways names ${code} twice`);
    out.push(code);
  }
  return out;
}
