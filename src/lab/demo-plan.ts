// The demo the lab sets up, as data: org acme (apps web and db) and org globex (app vault), all on private
// networking, placed on the lab's hosts. Pure; demo.ts creates it through the API.

import type { LabPlan } from './plan.ts';

export interface DemoInstance {
  org: string;
  app: string;
  region: string;
  host: string;
}

export interface DemoPlan {
  orgs: string[];
  apps: { org: string; name: string }[];
  instances: DemoInstance[];
}

/**
 * With the first region of `--regions` as home (ord by default): `web` gets one instance on every home host and
 * one on the first host of every other region; `db` one on the last home host (the other `ord` host when there
 * are two, so web → db crosses hosts); globex's `vault` one on the first home host, beside a `web` instance.
 */
export function demoPlan(p: LabPlan): DemoPlan {
  const home = p.hosts[0]?.region;
  const homeHosts = p.hosts.filter((h) => h.region === home);
  const first = homeHosts[0];
  const last = homeHosts[homeHosts.length - 1];
  if (home === undefined || first === undefined || last === undefined) {
    return { orgs: [], apps: [], instances: [] };
  }
  const firstOfOthers = p.regions
    .map((r) => p.hosts.find((h) => h.region === r.code && r.code !== home))
    .filter((h) => h !== undefined);
  const at = (org: string, app: string, h: { region: string; name: string }): DemoInstance => ({
    org,
    app,
    region: h.region,
    host: h.name,
  });
  return {
    orgs: ['acme', 'globex'],
    apps: [
      { org: 'acme', name: 'web' },
      { org: 'acme', name: 'db' },
      { org: 'globex', name: 'vault' },
    ],
    instances: [
      ...homeHosts.map((h) => at('acme', 'web', h)),
      ...firstOfOthers.map((h) => at('acme', 'web', h)),
      at('acme', 'db', last),
      at('globex', 'vault', first),
    ],
  };
}
