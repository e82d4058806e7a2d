// Fills the lab's control plane through the API: its regions, then the demo of demo-plan.ts (orgs, private-network apps, instances placed on named hosts).

import type { ApiClient } from '../client/api-client.ts';
import { demoPlan } from './demo-plan.ts';
import type { LabPlan } from './plan.ts';
import type { LabState } from './state.ts';

/** Creates the plan's regions (its hosts and gateways then join, join-fleet.ts). */
export async function createRegions(client: ApiClient, p: LabPlan): Promise<void> {
  for (const r of p.regions) await client.createRegion(r);
}

/** Creates the demo; returns its instances as lab.json records them. */
export async function createDemo(client: ApiClient, p: LabPlan): Promise<LabState['demo']> {
  const d = demoPlan(p);
  for (const org of d.orgs) await client.createOrg(org);
  for (const a of d.apps) await client.createApp(a.org, { name: a.name, private_network: true });
  const out: LabState['demo'] = [];
  for (const i of d.instances) {
    const inst = await client.createInstance(i.org, i.app, { region: i.region, host: i.host });
    out.push({
      id: inst.id,
      org: inst.org,
      app: inst.app,
      region: inst.region,
      host: inst.host,
      address: inst.address,
    });
  }
  return out;
}
