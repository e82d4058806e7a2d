// Reading every peer's counters off a device with thousands of peers without stalling the gateway, and the loop
// that reports them. The `get=1` reply is split into slices of a few hundred peers, parsed one slice per turn of
// the event loop, so a peer created meanwhile is still installed within milliseconds; the read itself never runs
// beside a peer change (the gateway's lock) and waits for a quiet spell. The split is pure; the rest is shell.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PeerStatusReport } from '../client/api-client.ts';
import { isSixpnError } from '../core/errors.ts';
import { isoTime } from '../core/iso-time.ts';
import { GET_REQUEST, type PeerState, parseGet, type UapiSet } from '../core/wg/uapi.ts';
import { monotonicMs } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { socketPath, uapiRequest } from '../runtime/wg-device.ts';
import type { InstalledAt } from './installed.ts';
import {
  awaitingHandshake,
  DEFAULT_PACING,
  newPeerReports,
  peerReport,
  type ReportPacing,
  ReportSchedule,
  reportBatches,
  signature,
} from './peer-report.ts';

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

export interface PeerReporterOptions {
  /** Every peer of the device; undefined while there is no device. */
  stats: (signal: AbortSignal) => Promise<readonly PeerState[] | undefined>;
  /** PUT /v1/gateways/NAME/peer-status. */
  send: (items: PeerStatusReport[], signal: AbortSignal) => Promise<void>;
  installed: InstalledAt;
  saveInstalled: () => Promise<void>;
  /** Runs `f` while no peer change or pass touches the device (the gateway's lock). */
  exclusive: <T>(f: () => Promise<T>) => Promise<T>;
  pacing?: Partial<ReportPacing>;
  log: Logger;
  signal: AbortSignal;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

/**
 * Reports every peer's status: a new peer at once, the rest after each read of the device, paced by a
 * {@link ReportSchedule}. `installed(op)` is called with every set the gateway applied; `run` loops until abort.
 */
export class PeerReporter {
  private readonly schedule: ReportSchedule;
  private readonly pacing: ReportPacing;
  private readonly now: () => number;
  private lastSent = new Map<string, string>();
  private lastFull = Number.NEGATIVE_INFINITY;
  private prompt: PeerStatusReport[] = [];
  private wake: (() => void) | undefined;
  private failing = false;

  constructor(private readonly o: PeerReporterOptions) {
    this.pacing = { ...DEFAULT_PACING, ...o.pacing };
    this.now = o.now ?? Date.now;
    this.schedule = new ReportSchedule(this.pacing, this.now());
  }

  /** Notes a set applied to the device: its new peers are reported at once, and watched for a first handshake. */
  installed(op: UapiSet): void {
    const at = this.now();
    const fresh = newPeerReports(op, (k) => this.o.installed.get(k), isoTime(at));
    this.o.installed.noteSet(op, new Date(at));
    this.schedule.changed(at, fresh.length > 0);
    if (fresh.length === 0) return;
    this.prompt.push(...fresh);
    this.wake?.();
  }

  async run(): Promise<void> {
    const { signal } = this.o;
    while (!signal.aborted) {
      const wait = this.prompt.length > 0 ? 0 : this.schedule.waitMs(this.now());
      if (wait > 0) {
        await this.nap(wait);
        continue;
      }
      try {
        if (this.prompt.length > 0) await this.sendPrompt();
        else await this.readAndReport();
        if (this.failing) this.o.log.info('peer status reported again');
        this.failing = false;
      } catch (e) {
        if (signal.aborted) break;
        if (!this.failing)
          this.o.log.warn({ err: isSixpnError(e) ? e.message : String(e) }, 'cannot report peer status');
        this.failing = true;
        // Try again after a pause, not at once.
        this.prompt = [];
        this.schedule.read(this.now(), 0, true);
      }
    }
  }

  private async sendPrompt(): Promise<void> {
    const items = this.prompt;
    this.prompt = [];
    await this.send(items);
    for (const i of items) this.lastSent.set(i.peer, signature(i));
  }

  private async readAndReport(): Promise<void> {
    let ms = 0;
    const dev = await this.o.exclusive(async () => {
      const t0 = monotonicMs();
      try {
        return await this.o.stats(this.o.signal);
      } finally {
        ms = monotonicMs() - t0;
      }
    });
    const now = this.now();
    const at = (k: string) => this.o.installed.get(k);
    this.schedule.read(now, ms, dev !== undefined && awaitingHandshake(dev, at, now, this.pacing.watchMs));
    if (!dev) return;
    // Everything once a minute (the control plane may have lost it), only changes in between.
    const full = now - this.lastFull >= 60_000;
    if (full) this.lastFull = now;
    const r = peerReport(dev, at, this.lastSent, full);
    await this.send(r.items);
    this.lastSent = r.sent;
    await this.o.saveInstalled();
  }

  /** Sends `items` in PUTs the control plane accepts (a full report of 10,000 peers is ~2 MB); none: no PUT. */
  private async send(items: PeerStatusReport[]): Promise<void> {
    for (const batch of reportBatches(items)) await this.o.send(batch, this.o.signal);
  }

  /** Sleeps `ms`, or until `installed` has something to send, or abort. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.o.signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.o.signal.addEventListener('abort', done, { once: true });
    });
  }
}
