// Performs a plan's steps through the agent's seams, in order. A failed step is logged and reported, and the
// rest still run (what depended on it fails too and is retried by the next reconcile).

import type { Logger } from '../lib/log.ts';
import { applyIsolation } from '../runtime/nft.ts';
import { type Action, describeAction } from './actions.ts';
import type { AgentSeams, ReconcileContext } from './observe.ts';

export interface ApplyResult {
  applied: number;
  failed: { action: Record<string, unknown>; error: string }[];
}

async function step(s: AgentSeams, a: Action, ctx: ReconcileContext, signal?: AbortSignal): Promise<void> {
  switch (a.do) {
    case 'register':
      return s.register({ endpoint: a.endpoint, mesh_key: a.mesh_key }, signal);
    case 'enable-forwarding':
      return s.net.enableForwarding();
    case 'nft':
      await applyIsolation(s.nft, a.spec, signal);
      return s.files.write(ctx.nftHashFile, `${a.hash}\n`, 0o600);
    case 'mesh-create':
      return s.mesh.create(signal);
    case 'mesh-set':
      return s.mesh.set(a.op, signal);
    case 'netns-add':
      return s.net.addNetns(a.ns);
    case 'netns-del':
      return s.net.delNetns(a.ns);
    case 'veth-add':
      return s.net.addVeth(a.iface, a.ns, a.peer, a.mtu);
    case 'link-del':
      return s.net.delLink(a.ns, a.iface);
    case 'link-set':
      return s.net.setLink(a.ns, a.iface, { up: a.up, ...(a.mtu ? { mtu: a.mtu } : {}) });
    case 'addr-add':
      return s.net.addAddr(a.ns, a.iface, a.addr);
    case 'addr-del':
      return s.net.delAddr(a.ns, a.iface, a.addr);
    case 'route-replace':
      return s.net.replaceRoute(a.ns, { dst: a.dst, dev: a.dev, ...(a.via ? { via: a.via } : {}) });
    case 'file-write':
      return s.files.write(a.path, a.content, a.mode);
    case 'file-remove':
      return s.files.remove(a.path);
    case 'dir-remove':
      return s.files.removeDir(a.path);
  }
}

/** Runs every step; never throws (failures are in the result). Stops early only when `signal` aborts. */
export async function apply(
  s: AgentSeams,
  actions: readonly Action[],
  ctx: ReconcileContext,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ApplyResult> {
  const out: ApplyResult = { applied: 0, failed: [] };
  for (const a of actions) {
    if (signal?.aborted) break;
    const what = describeAction(a);
    try {
      await step(s, a, ctx, signal);
      out.applied++;
      logger.debug(what, 'applied');
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      out.failed.push({ action: what, error });
      logger.warn({ ...what, err: error }, 'reconcile step failed');
    }
  }
  return out;
}
