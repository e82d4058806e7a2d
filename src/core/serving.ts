// Whether an instance is serving — the one rule of DESIGN.md's name table that every answer and every load
// balancer follows: "started" means started and passing its health checks once its app has checks. Also how an
// instance's verdict follows from the last result of each of its checks. Pure.

import type { App, Check, Health, Instance } from './model.ts';

/** True when the app has health checks (an app without checks: every started instance passes). */
export function appHasChecks(app: Pick<App, 'checks'> | undefined): boolean {
  return (app?.checks?.length ?? 0) > 0;
}

/**
 * Is this instance serving: started, and passing when its app has checks. `health` null or absent (no verdict
 * yet) is not passing. The DNS index, the service-address load balancer and `sixpn checks` all use this.
 */
export function isServing(
  inst: Pick<Instance, 'state' | 'health'>,
  app: Pick<App, 'checks'> | boolean | undefined,
): boolean {
  if (inst.state !== 'started') return false;
  const checked = typeof app === 'boolean' ? app : appHasChecks(app);
  return !checked || inst.health === 'passing';
}

/**
 * An instance's verdict from the last status of each of its app's `checks` (`statuses` by check name; a check
 * without one has not spoken yet): critical when any is critical; passing when all pass; otherwise (some have
 * not spoken, none failed) the previous verdict when it was passing — a check added to a serving instance does
 * not take it out of DNS before it has run — else none.
 */
export function verdictOf(
  checks: readonly Pick<Check, 'name'>[],
  statuses: ReadonlyMap<string, Health>,
  previous: Health | null | undefined,
): Health | null {
  if (checks.length === 0) return null;
  let unknown = false;
  for (const c of checks) {
    const s = statuses.get(c.name);
    if (s === 'critical') return 'critical';
    if (s === undefined) unknown = true;
  }
  if (!unknown) return 'passing';
  return previous === 'passing' ? 'passing' : null;
}
