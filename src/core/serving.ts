// "Serving": the one predicate for which instances get traffic — DNS answers and the members of a service
// address's load balancer alike (DESIGN.md: started, and passing its health checks once the app has checks).

import type { Instance } from './model.ts';

/** True when the instance should receive new traffic. Every choice of who gets traffic goes through this. */
export function isServing(i: Instance): boolean {
  return i.state === 'started';
}
