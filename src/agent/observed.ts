// What the agent sees on the host (read from the devices by observe.ts): the input of `plan` beside the desired state.

import type { ObservedNs } from '../core/iproute.ts';
import type { TableListing } from '../core/nft/listing.ts';
import type { DeviceState } from '../core/wg/uapi.ts';

export interface Observed {
  /** The registration the control plane has for this host (from the agent's state); undefined: host unknown. */
  registered: { endpoint: string | null; mesh_key: string | null } | undefined;
  /** `net.ipv6.conf.all.forwarding` of the host namespace; undefined when the agent does not manage it. */
  forwarding: string | undefined;
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
  nft: {
    listing: TableListing | undefined;
    /** Fingerprint of the last batch this agent applied (kept in its state dir). */
    appliedHash: string | undefined;
  };
}

export function emptyNs(): ObservedNs {
  return { links: new Map(), routes: [] };
}
