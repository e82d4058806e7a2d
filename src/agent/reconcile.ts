// One reconcile pass: desired state from the local copy, observe the host, plan the difference, apply it.

import { nftFingerprint } from '../core/nft/check.ts';
import { buildIsolation } from '../core/nft/isolation.ts';
import type { LocalState } from '../core/state.ts';
import { monotonicMs } from '../lib/clock.ts';
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
  /** {@link agentFingerprint} of what it worked from. */
  fingerprint: string;
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
 * What a pass looks at, as one string: the desired host and the control plane's record of this host (a snapshot
 * that shows it unregistered must register it). A change that leaves it as it was needs no pass.
 */
export function agentFingerprint(desired: Desired, registration: ReturnType<typeof registrationOf>): string {
  return JSON.stringify([desired, registration], (_k, v) => (typeof v === 'bigint' ? String(v) : v));
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
  const t0 = monotonicMs();
  const revision = state.revision;
  const desired = desiredState(state, identity, attached);
  const registration = registrationOf(state, identity.host);
  const fingerprint = agentFingerprint(desired, registration);
  const observed = await observe(seams, desired, registration, ctx, signal);
  const actions = plan(desired, observed, ctx);
  const result = await apply(seams, actions, ctx, logger, signal);
  return { revision, fingerprint, desired, actions, ...result, ms: monotonicMs() - t0 };
}

/**
 * The isolation table alone, at once: a health or placement change moves a service address's members, and the
 * whole pass (namespaces, links, mesh: many commands) can take a second on a busy host, while the table is one
 * `nft -j list` and one atomic `nft -j -f`. Nothing when the table's fingerprint is the one applied last, or
 * before the first pass made the table; the next pass checks everything as usual. Returns whether it applied.
 * The caller never runs it beside a pass.
 */
export async function applyNftNow(
  state: LocalState,
  identity: AgentIdentity,
  seams: AgentSeams,
  ctx: ReconcileContext,
  attached: ReadonlyMap<string, AttachedAs>,
  signal?: AbortSignal,
): Promise<boolean> {
  const want = desiredState(state, identity, attached).nft;
  const hash = nftFingerprint(want);
  if ((await seams.files.read(ctx.nftHashFile))?.trim() === hash) return false;
  const listing = await seams.nft.list(want.table, signal);
  if (!listing) return false;
  await seams.nft.apply(buildIsolation(want, listing), signal);
  await seams.files.write(ctx.nftHashFile, `${hash}\n`, 0o600);
  return true;
}
