// Performs a plan's steps through the agent's seams, in order (runtime/node-apply.ts: a failed step is logged and
// reported, and the rest still run); the agent's own steps are namespaces and files.

import type { Logger } from '../lib/log.ts';
import { type ApplyResult, applyPlan, nodeStep } from '../runtime/node-apply.ts';
import { type Action, describeAction } from './actions.ts';
import type { AgentSeams, ReconcileContext } from './observe.ts';

async function step(s: AgentSeams, a: Action, ctx: ReconcileContext, signal?: AbortSignal): Promise<void> {
  switch (a.do) {
    case 'netns-add':
      return s.net.addNetns(a.ns);
    case 'netns-del':
      return s.net.delNetns(a.ns);
    case 'netns-attach':
      return s.net.attachNetns(a.ns, a.path);
    case 'file-write':
      return s.files.write(a.path, a.content, a.mode);
    case 'file-remove':
      return s.files.remove(a.path);
    case 'dir-remove':
      return s.files.removeDir(a.path);
    default:
      return nodeStep(s, () => s.mesh, a, ctx.nftHashFile, signal);
  }
}

/** Runs every step; never throws (failures are in the result). Stops early only when `signal` aborts. */
export function apply(
  s: AgentSeams,
  actions: readonly Action[],
  ctx: ReconcileContext,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ApplyResult> {
  return applyPlan(actions, {
    net: s.net,
    step: (a) => step(s, a, ctx, signal),
    describe: describeAction,
    logger,
    signal,
  });
}
