// Reads the host as it is, through the agent's seams: namespaces, links, addresses and routes (`ip -j`), the mesh
// device (UAPI `get=1` or `wg show dump`), the nftables table (`nft -j list`), and the files the agent manages.

import type { ObservedNs } from '../core/iproute.ts';
import type { NodeSeams } from '../runtime/node-apply.ts';
import type { WgDevice } from '../runtime/wg-device.ts';
import type { AgentRegistration } from './actions.ts';
import { type Desired, netnsName } from './desired.ts';
import type { Observed } from './observed.ts';
import type { PlanContext } from './plan.ts';

/** The I/O an agent reconciles through; tests give in-memory fakes. */
export interface AgentSeams extends NodeSeams<AgentRegistration> {
  mesh: WgDevice;
}

export interface ReconcileContext extends PlanContext {
  /** Where the fingerprint of the last applied nft batch is kept. */
  nftHashFile: string;
}

const ENV_FILE = /^([0-9a-f]{8})\.env$/;

/**
 * Observes what `desired` and the agent's earlier work touch: the desired instances' namespaces and files, and
 * the instances it set up before (their env files), so it can tear those down.
 */
export async function observe(
  s: AgentSeams,
  d: Desired,
  registered: Observed['registered'],
  ctx: ReconcileContext,
  signal?: AbortSignal,
): Promise<Observed> {
  const [netnsList, host, envNames, mesh, listing, appliedHash, forwarding] = await Promise.all([
    s.net.listNetns(),
    s.net.readNs(),
    s.files.list(ctx.envDir),
    s.mesh.get(signal),
    s.nft.list(d.nft.table, signal),
    s.files.read(ctx.nftHashFile),
    ctx.manageForwarding ? s.net.readForwarding() : Promise.resolve(undefined),
  ]);
  const ownedIds = envNames.flatMap((n) => ENV_FILE.exec(n)?.[1] ?? []);
  const relevant = new Set([
    ...d.instances.map((i) => i.ns),
    ...ownedIds.map((id) => d.workloads.get(id)?.ns ?? netnsName(ctx.netnsTemplate, id)),
  ]);
  const namespaces = new Set(netnsList.filter((n) => relevant.has(n)));
  const instances = new Map<string, ObservedNs>();
  const files = new Map<string, string>();
  await Promise.all([
    ...d.instances
      .filter((i) => i.address !== null && namespaces.has(i.ns))
      .map(async (i) => {
        instances.set(i.ns, await s.net.readNs(i.ns));
      }),
    ...d.files.map(async (f) => {
      const text = await s.files.read(f.path);
      if (text !== undefined) files.set(f.path, text);
    }),
  ]);
  return {
    registered,
    forwarding,
    namespaces,
    host,
    instances,
    files,
    ownedIds,
    mesh,
    nft: { listing, appliedHash: appliedHash?.trim() },
  };
}
