// Reading every peer's counters off a device with thousands of peers without stalling the gateway: the `get=1`
// reply is split into slices of a few hundred peers, parsed one slice per turn of the event loop, so a peer
// created meanwhile is still installed within milliseconds. The split is pure; readPeerStats is the shell.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { GET_REQUEST, type PeerState, parseGet } from '../core/wg/uapi.ts';
import { socketPath, uapiRequest } from '../runtime/wg-device.ts';

/**
 * Splits a `get=1` reply into replies of at most `per` peers each, every one parseable by `parseGet` on its
 * own (the device lines go with the first; each ends with the original `errno` line and the blank line).
 */
export function splitGetReply(text: string, per: number): string[] {
  const end = text.indexOf('\n\n');
  const body = end < 0 ? text : text.slice(0, end + 1);
  const lines = body.split('\n');
  const errnoAt = lines.findIndex((l) => l.startsWith('errno='));
  const errno = errnoAt >= 0 ? lines[errnoAt] : 'errno=0';
  const content = lines.filter((l, i) => l !== '' && i !== errnoAt);
  const out: string[] = [];
  let cur: string[] = [];
  let peers = 0;
  for (const l of content) {
    if (l.startsWith('public_key=')) {
      if (peers === per) {
        out.push(`${[...cur, errno].join('\n')}\n\n`);
        cur = [];
        peers = 0;
      }
      peers++;
    }
    cur.push(l);
  }
  out.push(`${[...cur, errno].join('\n')}\n\n`);
  return out;
}

/** Every peer of the userspace device `iface`, parsed `per` at a time with a turn of the event loop between. */
export async function readPeerStats(iface: string, signal?: AbortSignal, per = 500): Promise<PeerState[]> {
  const text = await uapiRequest(socketPath(iface), GET_REQUEST, { signal, timeoutMs: 30_000 });
  const out: PeerState[] = [];
  for (const part of splitGetReply(text, per)) {
    out.push(...parseGet(part).peers);
    await nextTurn();
  }
  return out;
}
