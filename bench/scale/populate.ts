// Fills a store for the scale benchmark: N orgs (each with its default network), apps per org, instances per app,
// over 5 regions with a few hosts each. Instances are pinned round-robin to hosts (skipping the least-loaded
// count per insert) and created by a few concurrent writers; 90% started.

import type { Store } from '../../src/control/store/store.ts';

export interface Shape {
  networks: number;
  appsPerNetwork: number;
  instancesPerApp: number;
}

export const REGIONS = [
  { code: 'ord', name: 'Chicago', lat: 41.978, lon: -87.905 },
  { code: 'iad', name: 'Ashburn', lat: 38.944, lon: -77.456 },
  { code: 'nrt', name: 'Tokyo', lat: 35.772, lon: 140.393 },
  { code: 'ams', name: 'Amsterdam', lat: 52.309, lon: 4.764 },
  { code: 'syd', name: 'Sydney', lat: -33.946, lon: 151.177 },
];
const HOSTS_PER_REGION = 4;

async function pool(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Creates the shape; calls `progress(done)` every 10,000 instances. Returns how many instances it made. */
export async function populate(
  store: Store,
  shape: Shape,
  progress: (instances: number) => void = () => {},
): Promise<number> {
  for (const r of REGIONS) {
    await store.createRegion(r);
    for (let h = 0; h < HOSTS_PER_REGION; h++)
      await store.createHost({ name: `${r.code}-h${h}`, region: r.code, role: 'host' });
  }
  let made = 0;
  await pool(shape.networks, 4, async (n) => {
    const org = `org${n}`;
    await store.createOrg(org);
    for (let a = 0; a < shape.appsPerNetwork; a++) {
      const app = `app${a}`;
      await store.createApp({ org, name: app, private_network: true });
      for (let i = 0; i < shape.instancesPerApp; i++) {
        const k = n * shape.appsPerNetwork * shape.instancesPerApp + a * shape.instancesPerApp + i;
        const r = REGIONS[k % REGIONS.length]!;
        await store.createInstance({
          org,
          app,
          region: r.code,
          host: `${r.code}-h${Math.floor(k / REGIONS.length) % HOSTS_PER_REGION}`,
          state: k % 10 === 9 ? 'stopped' : 'started',
        });
        if (++made % 10_000 === 0) progress(made);
      }
    }
  });
  return made;
}
