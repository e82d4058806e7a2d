// The steps `plan` asks for and `apply` performs: the shared vocabulary of runtime/node-plan.ts (registration, nft,
// forwarding, the mesh, links, addresses, routes) and the agent's own (instance namespaces and files).

import { describeNodeAction, type NodeAction } from '../runtime/node-plan.ts';
import type { Desired } from './desired.ts';

/** What the agent registers: its mesh endpoint and public key. */
export type AgentRegistration = Desired['registration'];

export type Action =
  | NodeAction<AgentRegistration>
  | { do: 'netns-add'; ns: string }
  | { do: 'netns-del'; ns: string }
  /** Pins a runtime's namespace file `path` as the named namespace `ns` (a bind mount, like `ip netns attach`). */
  | { do: 'netns-attach'; ns: string; path: string }
  | { do: 'file-write'; path: string; content: string; mode: number }
  | { do: 'file-remove'; path: string }
  | { do: 'dir-remove'; path: string };

/** A one-line description for logs: never keys or file contents. */
export function describeAction(a: Action): Record<string, unknown> {
  switch (a.do) {
    case 'file-write':
      return { do: a.do, path: a.path };
    case 'netns-add':
    case 'netns-del':
    case 'netns-attach':
    case 'file-remove':
    case 'dir-remove':
      return { ...a };
    default:
      return describeNodeAction(a);
  }
}
