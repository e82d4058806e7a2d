// Performs a gateway's plan through its seams, in order (runtime/node-apply.ts: a failed step is logged and
// reported, and the rest still run). Every step is of the shared vocabulary; the peer interface goes through its
// cache, so the cache follows every change.

import type { Logger } from '../lib/log.ts';
import { type ApplyResult, applyPlan, nodeStep } from '../runtime/node-apply.ts';
import { describeNodeAction } from '../runtime/node-plan.ts';
import type { GatewayRunContext } from './observe.ts';
import type { GatewayAction } from './plan.ts';
import type { GatewaySeams } from './seams.ts';

/** Runs every step; never throws (failures are in the result). Stops early only when `signal` aborts. */
export function applyGateway(
  s: GatewaySeams,
  actions: readonly GatewayAction[],
  ctx: GatewayRunContext,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ApplyResult> {
  const wg = (dev: 'mesh' | 'peer') => (dev === 'mesh' ? s.mesh : s.peerCache);
  return applyPlan(actions, {
    net: s.net,
    step: (a) => nodeStep(s, wg, a, ctx.nftHashFile, signal),
    describe: describeNodeAction,
    logger,
    signal,
  });
}
