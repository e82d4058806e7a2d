// The steps `plan` asks for and `apply` performs: each one small, idempotent on its own, and loggable.

import type { IsolationSpec } from '../core/nft/isolation.ts';
import type { NftBatch } from '../core/nft/json.ts';
import { describeSet } from '../core/wg/plan.ts';
import type { UapiSet } from '../core/wg/uapi.ts';

/** A change to links, addresses or routes of one namespace (`ns` undefined: the host's own). */
export type NetStep =
  | { do: 'veth-add'; iface: string; ns: string; peer: string; mtu: number }
  | { do: 'link-del'; ns?: string; iface: string }
  | { do: 'link-set'; ns?: string; iface: string; up: true; mtu?: number }
  | { do: 'addr-add'; ns?: string; iface: string; addr: string }
  | { do: 'addr-del'; ns?: string; iface: string; addr: string }
  | { do: 'route-replace'; ns?: string; dst: string; dev: string; via?: string };

/** Where a net step runs: the veth's host end is made in the host namespace. */
export const stepNs = (s: NetStep): string | undefined => (s.do === 'veth-add' ? undefined : s.ns);

export const NET_STEPS: ReadonlySet<string> = new Set([
  'veth-add',
  'link-del',
  'link-set',
  'addr-add',
  'addr-del',
  'route-replace',
]);

export const isNetStep = (a: Action): a is NetStep => NET_STEPS.has(a.do);

export type Action =
  | { do: 'register'; endpoint: string; mesh_key: string }
  | { do: 'enable-forwarding' }
  /** `batch` makes the table exactly `spec` (built against the table as observed); `hash` is its fingerprint. */
  | { do: 'nft'; spec: IsolationSpec; batch: NftBatch; hash: string }
  | { do: 'mesh-create' }
  | { do: 'mesh-set'; op: UapiSet }
  | { do: 'netns-add'; ns: string }
  | { do: 'netns-del'; ns: string }
  | NetStep
  | { do: 'file-write'; path: string; content: string; mode: number }
  | { do: 'file-remove'; path: string }
  | { do: 'dir-remove'; path: string };

/** A one-line description for logs: never keys or file contents. */
export function describeAction(a: Action): Record<string, unknown> {
  switch (a.do) {
    case 'nft':
      return { do: a.do, table: a.spec.table, commands: a.batch.nftables.length, hash: a.hash.slice(0, 12) };
    case 'mesh-set':
      return { do: a.do, ...describeSet(a.op) };
    case 'file-write':
      return { do: a.do, path: a.path };
    default:
      return { ...a };
  }
}
