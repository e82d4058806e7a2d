// One full reconcile pass of a gateway: desired state, observe, plan, apply. (The fast path that installs single
// peers straight from the watch stream is `peerCache.setPeers`; the harness's lock keeps the two apart.)

import type { LocalState } from '../core/state.ts';
import type { UapiSet } from '../core/wg/uapi.ts';
import { monotonicMs } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { ApplyResult } from '../runtime/node-apply.ts';
import { applyGateway } from './apply.ts';
import { desiredGateway, type GatewayDesired, type GatewayIdentity, infraFingerprint } from './desired.ts';
import { type GatewayRunContext, observeGateway } from './observe.ts';
import { type GatewayAction, planGateway } from './plan.ts';
import type { GatewaySeams } from './seams.ts';

export interface GatewayPassResult extends ApplyResult {
  revision: number;
  /** infraFingerprint of what the pass worked from. */
  fingerprint: string;
  desired: GatewayDesired;
  actions: GatewayAction[];
  /** The peer-device operation sent, if any (installed-at bookkeeping reads it). */
  peerOp: UapiSet | undefined;
  ms: number;
}

/** The registration the control plane has for this gateway, as the local state knows it. */
export function registrationOf(
  state: LocalState,
  name: string,
): GatewayPassResult['desired']['registration'] | undefined {
  const me = state.all('host').find((h) => h.name === name);
  if (!me) return undefined;
  return {
    endpoint: me.endpoint ?? '',
    mesh_key: (me.mesh_key ?? '') as GatewayDesired['registration']['mesh_key'],
    peer_key: (me.peer_key ?? '') as GatewayDesired['registration']['peer_key'],
    peer_endpoint: me.peer_endpoint ?? '',
  };
}

/**
 * Makes the gateway match `state`. `fresh` re-reads the peer device instead of trusting its cache (periodic
 * passes). Idempotent. Throws only when the gateway cannot be read; failed steps are in the result.
 */
export async function reconcileGateway(
  state: LocalState,
  id: GatewayIdentity,
  seams: GatewaySeams,
  ctx: GatewayRunContext,
  logger: Logger,
  fresh: boolean,
  signal?: AbortSignal,
): Promise<GatewayPassResult> {
  const t0 = monotonicMs();
  const revision = state.revision;
  const desired = desiredGateway(state, id);
  const observed = await observeGateway(seams, registrationOf(state, id.name), ctx, fresh, signal);
  const actions = planGateway(desired, observed, ctx);
  const result = await applyGateway(seams, actions, ctx, logger, signal);
  const peerOp = actions.find((a) => a.do === 'wg-set' && a.dev === 'peer');
  return {
    revision,
    fingerprint: infraFingerprint(desired),
    desired,
    actions,
    ...result,
    peerOp: peerOp?.do === 'wg-set' ? peerOp.op : undefined,
    ms: monotonicMs() - t0,
  };
}
