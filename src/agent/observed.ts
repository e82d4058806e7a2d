// What the agent sees on the host (read from the devices by observe.ts): the input of `plan` beside the desired state.

import type { ObservedNs } from '../core/iproute.ts';
import type { DeviceState } from '../core/wg/uapi.ts';
import type { NodeObserved } from '../runtime/node-plan.ts';
import type { AgentRegistration } from './actions.ts';

export interface Observed extends NodeObserved<AgentRegistration> {
  /** Which of the namespaces the agent asked about exist. */
  namespaces: Set<string>;
  /** The host's own namespace (where the agent runs). */
  host: ObservedNs;
  /** Instance namespaces that exist, by name. */
  instances: Map<string, ObservedNs>;
  /** Content of the files the agent asked about that exist, by path. */
  files: Map<string, string>;
  /** Instance ids the agent has set up before (their env files exist): what it may tear down. */
  ownedIds: string[];
  /** The mesh device, or undefined when there is none. */
  mesh: DeviceState | undefined;
}

export function emptyNs(): ObservedNs {
  return { links: new Map(), routes: [] };
}
