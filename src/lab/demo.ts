// Fills the lab's control plane through the API: its regions and hosts (whose tokens the agents get), then the
// demo of demo-plan.ts (orgs, private-network apps, instances placed on named hosts).

import type { ApiClient } from '../client/api-client.ts';
import { demoPlan } from './demo-plan.ts';
import type { LabPlan } from './plan.ts';
import type { LabState } from './state.ts';

/** Creates the plan's regions and hosts; returns each host's token (shown once by the API). */
export async function createFleet(client: ApiClient, p: LabPlan): Promise<Record<string, string>> {
  for (const r of p.regions) await client.createRegion(r);
  const tokens: Record<string, string> = {};
  for (const h of p.hosts)
    tokens[h.name] = (await client.createHost({ name: h.name, region: h.region })).token;
  return tokens;
}

/** Creates gateways in the control plane; returns their tokens. */
export async function createGateways(client: ApiClient, p: LabPlan): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const g of p.gateways) {
    tokens[g.name] = (await client.createGateway({ name: g.name, region: g.region })).token;
  }
  return tokens;
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
