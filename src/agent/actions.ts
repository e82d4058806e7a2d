// The steps `plan` asks for and `apply` performs: each one small, idempotent on its own, and loggable.

import type { IsolationSpec } from '../core/nft/isolation.ts';
import type { NftBatch } from '../core/nft/json.ts';
import { describeSet } from '../core/wg/plan.ts';
import type { UapiSet } from '../core/wg/uapi.ts';
import type { NetStep } from '../runtime/net.ts';

const NET_STEPS: ReadonlySet<string> = new Set([
  'veth-add',
  'link-del',
  'link-set',
  'addr-add',
  'addr-del',
  'route-replace',
  'route-del',
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
