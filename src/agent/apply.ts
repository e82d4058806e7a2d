// Performs a plan's steps through the agent's seams, in order. A failed step is logged and reported, and the
// rest still run (what depended on it fails too and is retried by the next reconcile).

import type { Logger } from '../lib/log.ts';
import { type NetStep, stepNs } from '../runtime/net.ts';
import { type Action, describeAction, isNetStep } from './actions.ts';
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
      await s.nft.apply(a.batch, signal);
      return s.files.write(ctx.nftHashFile, `${a.hash}\n`, 0o600);
    case 'mesh-create':
      return s.mesh.create(signal);
    case 'mesh-set':
      return s.mesh.set(a.op, signal);
    case 'netns-add':
      return s.net.addNetns(a.ns);
    case 'netns-del':
      return s.net.delNetns(a.ns);
    case 'file-write':
      return s.files.write(a.path, a.content, a.mode);
    case 'file-remove':
      return s.files.remove(a.path);
    case 'dir-remove':
      return s.files.removeDir(a.path);
    default:
      return s.net.batch(stepNs(a), [a]);
  }
}

/** The plan cut into units of work: runs of net steps in one namespace become one batch. */
export function units(actions: readonly Action[]): Action[][] {
  const out: Action[][] = [];
  for (const a of actions) {
    const prev = out.at(-1);
    const head = prev?.[0];
    if (head && isNetStep(a) && isNetStep(head) && stepNs(a) === stepNs(head)) prev.push(a);
    else out.push([a]);
  }
  return out;
}

/**
 * Runs every unit; never throws (failures are in the result). A failed batch counts all its steps as failed;
 * the rest of the plan still runs. Stops early only when `signal` aborts.
 */
export async function apply(
  s: AgentSeams,
  actions: readonly Action[],
  ctx: ReconcileContext,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ApplyResult> {
  const out: ApplyResult = { applied: 0, failed: [] };
  for (const unit of units(actions)) {
    if (signal?.aborted) break;
    const first = unit[0] as Action;
    try {
      if (unit.length > 1) await s.net.batch(stepNs(first as NetStep), unit as NetStep[]);
      else await step(s, first, ctx, signal);
      out.applied += unit.length;
      for (const a of unit) logger.debug(describeAction(a), 'applied');
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      for (const a of unit) out.failed.push({ action: describeAction(a), error });
      logger.warn({ ...describeAction(first), steps: unit.length, err: error }, 'reconcile step failed');
    }
  }
  return out;
}
