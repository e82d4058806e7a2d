// What a gateway reports to PUT /v1/gateways/NAME/peer-status, and when it reads the device to find out. Each
// peer's endpoint, last handshake, traffic and when it was installed; only what changed since the last report,
// unless `full`. A peer just installed is reported at once (nothing to read: no handshake, no traffic yet), and
// while such a peer waits for its first handshake the device is read every second — within the lock budget. Pure.

import type { PeerStatusReport } from '../client/api-client.ts';
import { isoTime } from '../core/iso-time.ts';
import type { PeerState, UapiSet } from '../core/wg/uapi.ts';
import { quietWait } from '../runtime/scheduler.ts';

/** What a report item says, as one string: items are re-sent only when it changed. */
export const signature = (i: PeerStatusReport): string =>
  `${i.endpoint}|${i.last_handshake}|${i.rx_bytes}|${i.tx_bytes}|${i.installed_at}`;

const handshakeOf = (p: PeerState): string | null =>
  p.lastHandshakeTimeSec > 0
    ? isoTime(p.lastHandshakeTimeSec * 1000 + Math.floor(p.lastHandshakeTimeNsec / 1e6))
    : null;

/** The report items, and the signature of each (kept after a successful PUT, to send only changes next time). */
export function peerReport(
  peers: readonly PeerState[],
  installedAt: (publicKey: string) => string | null,
  lastSent: ReadonlyMap<string, string>,
  full: boolean,
): { items: PeerStatusReport[]; sent: Map<string, string> } {
  const items: PeerStatusReport[] = [];
  const sent = new Map<string, string>();
  for (const p of peers) {
    const item: PeerStatusReport = {
      peer: p.publicKey,
      endpoint: p.endpoint,
      last_handshake: handshakeOf(p),
      rx_bytes: p.rxBytes,
      tx_bytes: p.txBytes,
      installed_at: installedAt(p.publicKey),
    };
    const sig = signature(item);
    sent.set(p.publicKey, sig);
    if (full || lastSent.get(p.publicKey) !== sig) items.push(item);
  }
  return { items, sent };
}

/** Bytes of one PUT body at most: the control plane refuses bodies over 64 KiB (MAX_BODY_BYTES of its API). */
export const REPORT_BODY_BYTES = 60_000;

/**
 * `items` in order, cut into PUT bodies (`{"items":[…]}`) of at most `maxBytes` each (an item bigger than that
 * alone still goes, alone): a full report of 10,000 peers is ~2 MB.
 */
export function reportBatches(items: readonly PeerStatusReport[], maxBytes = REPORT_BODY_BYTES) {
  const envelope = '{"items":[]}'.length;
  const out: PeerStatusReport[][] = [];
  let cur: PeerStatusReport[] = [];
  let bytes = envelope;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    // the comma before every item but the first
    if (cur.length > 0 && bytes + 1 + size > maxBytes) {
      out.push(cur);
      cur = [];
      bytes = envelope;
    }
    bytes += (cur.length > 0 ? 1 : 0) + size;
    cur.push(item);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * The peers a set adds to the device (not updates, not removals, not keys it already had per `installedAt`):
 * the device has just made them, so their report needs no read.
 */
export function newPeerReports(
  op: UapiSet,
  installedAt: (publicKey: string) => string | null,
  at: string,
): PeerStatusReport[] {
  return (op.peers ?? [])
    .filter((p) => !p.remove && !p.updateOnly && installedAt(p.publicKey) === null)
    .map((p) => ({
      peer: p.publicKey,
      endpoint: null,
      last_handshake: null,
      rx_bytes: 0,
      tx_bytes: 0,
      installed_at: at,
    }));
}

/** Whether a peer installed in the last `withinMs` has had no handshake yet (someone may be waiting for it). */
export function awaitingHandshake(
  peers: readonly PeerState[],
  installedAt: (publicKey: string) => string | null,
  now: number,
  withinMs: number,
): boolean {
  return peers.some((p) => {
    const at = installedAt(p.publicKey);
    return p.lastHandshakeTimeSec === 0 && at !== null && now - Date.parse(at) < withinMs;
  });
}

export interface ReportPacing {
  /** The usual pause between reads (`--report-interval`). */
  reportMs: number;
  /** The pause while a new peer waits for its first handshake (never longer than `reportMs`)… */
  quickMs: number;
  /** …for at most this long after it was installed. */
  watchMs: number;
  /** The most of the time reads may hold the device's lock: the pause is at least the last read / this. */
  lockShare: number;
  /** A read starts only this long (at most `reportMs`) after the last peer change, so it never holds up a burst
   * of changes… */
  quietMs: number;
  /** …unless it is this late. */
  maxDeferMs: number;
}

export const DEFAULT_PACING: ReportPacing = {
  reportMs: 5_000,
  quickMs: 1_000,
  watchMs: 120_000,
  // Reading 10,000 peers holds wireguard-go's device lock ~60–120 ms; a set meanwhile waits behind it.
  lockShare: 0.005,
  quietMs: 1_000,
  maxDeferMs: 60_000,
};

/** When the device is next read (times in ms on one clock). */
export class ReportSchedule {
  private lastReadEnd: number;
  private lastReadMs = 0;
  private lastChange = Number.NEGATIVE_INFINITY;
  private quickUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly p: ReportPacing,
    start: number,
  ) {
    this.lastReadEnd = start;
  }

  /** A read ended at `at` and held the device `ms`; `awaiting` as {@link awaitingHandshake} found it. */
  read(at: number, ms: number, awaiting: boolean): void {
    this.lastReadEnd = at;
    this.lastReadMs = ms;
    if (!awaiting) this.quickUntil = Number.NEGATIVE_INFINITY;
  }

  /** A peer change reached the device at `at`; `added`: it installed a new peer. */
  changed(at: number, added: boolean): void {
    this.lastChange = at;
    if (added) this.quickUntil = Math.max(this.quickUntil, at + this.p.watchMs);
  }

  /** When the next read is due by the cadence and the lock budget. */
  dueAt(): number {
    const quick = this.lastReadEnd < this.quickUntil;
    const cadence = quick ? Math.min(this.p.quickMs, this.p.reportMs) : this.p.reportMs;
    const pause = Math.max(cadence, this.lastReadMs / this.p.lockShare);
    return this.lastReadEnd + pause;
  }

  /** How long to wait from `now` before reading (0: read now): the due time, after a quiet spell. */
  waitMs(now: number): number {
    const quiet = Math.min(this.p.quietMs, this.p.reportMs);
    return quietWait(this.dueAt(), this.lastChange, now, quiet, this.p.maxDeferMs);
  }
}
