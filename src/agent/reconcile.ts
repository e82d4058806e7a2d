// One reconcile pass: desired state from the local copy, observe the host, plan the difference, apply it.

import type { LocalState } from '../core/state.ts';
import type { Logger } from '../lib/log.ts';
import type { ApplyResult } from '../runtime/node-apply.ts';
import type { Action } from './actions.ts';
import { apply } from './apply.ts';
import { type AgentIdentity, type AttachedAs, type Desired, desiredState } from './desired.ts';
import { type AgentSeams, observe, type ReconcileContext } from './observe.ts';
import { plan } from './plan.ts';

export interface ReconcileResult extends ApplyResult {
  /** The state revision this pass worked from. */
  revision: number;
  desired: Desired;
  actions: Action[];
  ms: number;
}

/** The registration the control plane has for this host, as the local state knows it. */
export function registrationOf(state: LocalState, host: string) {
  const me = state.all('host').find((h) => h.name === host);
  return me ? { endpoint: me.endpoint, mesh_key: me.mesh_key } : undefined;
}

/**
 * Makes the host match `state`. Idempotent: a second pass right after a successful one plans nothing.
 * Throws only when the host cannot be read (observe failed); failed steps are in the result.
 */
export async function reconcileOnce(
  state: LocalState,
  identity: AgentIdentity,
  seams: AgentSeams,
  ctx: ReconcileContext,
  logger: Logger,
  signal?: AbortSignal,
  attached: ReadonlyMap<string, AttachedAs> = new Map(),
): Promise<ReconcileResult> {
  const t0 = performance.now();
  const revision = state.revision;
  const desired = desiredState(state, identity, attached);
  const observed = await observe(seams, desired, registrationOf(state, identity.host), ctx, signal);
  const actions = plan(desired, observed, ctx);
  const result = await apply(seams, actions, ctx, logger, signal);
  return { revision, desired, actions, ...result, ms: performance.now() - t0 };
}
