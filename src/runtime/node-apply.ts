// Performs a plan's steps, agent and gateway alike: the steps of node-plan.ts through the shared seams, runs of
// net steps in one namespace as one `ip -batch`, the role's own steps through its callback. A failed step is
// logged and reported, and the rest still run (what depended on it fails too and is retried by the next pass).

import type { Logger } from '../lib/log.ts';
import type { FileStore } from './file-store.ts';
import { isNetStep, type Net, type NetStep, stepNs } from './net.ts';
import type { Nft } from './nft.ts';
import type { NodeAction, WgRole } from './node-plan.ts';
import type { WgDevice } from './wg-device.ts';

/** The seams both roles reconcile through; `R` is the role's registration body. */
export interface NodeSeams<R> {
  net: Net;
  files: FileStore;
  nft: Nft;
  /** Records this machine's endpoints and public keys with the control plane. */
  register(body: R, signal?: AbortSignal): Promise<void>;
}

export interface ApplyResult {
  applied: number;
  failed: { action: Record<string, unknown>; error: string }[];
}

/** One shared step. `wg` gives the WireGuard interface of a role; `nftHashFile` keeps the applied fingerprint. */
export async function nodeStep<R>(
  s: NodeSeams<R>,
  wg: (dev: WgRole) => WgDevice,
  a: NodeAction<R>,
  nftHashFile: string,
  signal?: AbortSignal,
): Promise<void> {
  switch (a.do) {
    case 'register':
      return s.register(a.body, signal);
    case 'enable-forwarding':
      return s.net.enableForwarding();
    case 'nft':
      await s.nft.apply(a.batch, signal);
      return s.files.write(nftHashFile, `${a.hash}\n`, 0o600);
    case 'wg-create':
      return wg(a.dev).create(signal);
    case 'wg-set':
      return wg(a.dev).set(a.op, signal);
    default:
      return s.net.batch(stepNs(a), [a]);
  }
}

/** The plan cut into units of work: runs of net steps in one namespace become one batch. */
export function units<A extends { do: string }>(actions: readonly A[]): A[][] {
  const out: A[][] = [];
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
export async function applyPlan<A extends { do: string }>(
  actions: readonly A[],
  o: {
    net: Net;
    /** Performs one step (a net step alone included). */
    step(a: A): Promise<void>;
    describe(a: A): Record<string, unknown>;
    logger: Logger;
    signal?: AbortSignal | undefined;
  },
): Promise<ApplyResult> {
  const out: ApplyResult = { applied: 0, failed: [] };
  for (const unit of units(actions)) {
    if (o.signal?.aborted) break;
    const first = unit[0] as A;
    try {
      if (unit.length > 1 && isNetStep(first))
        await o.net.batch(
          stepNs(first),
          unit.filter((a): a is A & NetStep => isNetStep(a)),
        );
      else await o.step(first);
      out.applied += unit.length;
      for (const a of unit) o.logger.debug(o.describe(a), 'applied');
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      for (const a of unit) out.failed.push({ action: o.describe(a), error });
      o.logger.warn({ ...o.describe(first), steps: unit.length, err: error }, 'reconcile step failed');
    }
  }
  return out;
}
