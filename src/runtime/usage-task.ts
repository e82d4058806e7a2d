// The usage task of an agent or gateway, beside its reconcile passes: keeps its nft usage table matching its spec,
// reads the table's counters every interval (and before any change of the table), spools the deltas on disk, and
// sends what waits to the control plane. A counter is always read (and its read spooled) before a batch may delete it.

import { setTimeout as sleep } from 'node:timers/promises';
import { isSixpnError } from '../core/errors.ts';
import { isoTime } from '../core/iso-time.ts';
import type { NftBatch } from '../core/nft/json.ts';
import type { TableListing } from '../core/nft/listing.ts';
import type { CounterKey, CounterRead } from '../core/nft/usage.ts';
import { type Baseline, type UsageReport, withoutRefused } from '../core/usage/delta.ts';
import type { Logger } from '../lib/log.ts';
import type { Nft } from './nft.ts';
import { UsageSpool } from './usage-spool.ts';

/** The usage table of one kind of node: what it should be, how to build it and how to read its counters. */
export interface UsageTable<S> {
  name: string;
  /** The table's spec now, or undefined while the state does not know this node yet. */
  spec(): S | undefined;
  build(spec: S, listing: TableListing | undefined): NftBatch;
  counters(listing: TableListing): (CounterKey & CounterRead)[];
  /**
   * After a read was recorded (`recorded`: the saved baseline): the batch that deletes what the table no longer
   * needs (a gateway's elements of peers that left), or undefined. Pure; the batch is safe to apply twice.
   */
  prune?(listing: TableListing, recorded: Baseline): NftBatch | undefined;
}

/** Prune rounds per read at most: a retire, then the release its next read allows, then nothing left. */
const PRUNE_ROUNDS = 3;

export interface UsageTaskOptions<S> {
  table: UsageTable<S>;
  /** The region of this host or gateway (scopes are seen from it). */
  region: string;
  nft: Nft;
  /** Sends one report (`POST /v1/hosts/:name/usage` or `/v1/gateways/:name/usage`). */
  send(r: UsageReport, signal?: AbortSignal): Promise<{ applied: boolean }>;
  /** `<stateDir>/usage`. */
  spoolDir: string;
  /** Counter reads and reports (default 60 s). */
  intervalMs?: number;
  /** How often the table is checked against the instances (default 1 s). */
  pollMs?: number;
  /** Told each read's reports (metrics). */
  onReports?(reports: readonly UsageReport[]): void;
  log: Logger;
  signal: AbortSignal;
  now?: () => Date;
}

/** Runs until the signal aborts; reads the counters one last time on the way out. Never throws. */
export async function runUsageTask<S>(o: UsageTaskOptions<S>): Promise<void> {
  const log = o.log.child({ task: 'usage' });
  const now = o.now ?? (() => new Date());
  const interval = o.intervalMs ?? 60_000;
  let spool: UsageSpool;
  try {
    spool = await UsageSpool.open(o.spoolDir);
  } catch (e) {
    log.error({ err: String(e), dir: o.spoolDir }, 'usage spool unreadable; usage is not counted');
    return;
  }
  log.info({ intervalMs: interval, epoch: spool.epoch }, 'usage counting');
  let appliedKey = '';
  let lastRead = 0;
  const read = async () => {
    const listing = await o.nft.list(o.table.name);
    if (!listing) {
      appliedKey = ''; // gone (deleted by hand, a flushed ruleset): made again below
      return undefined;
    }
    const reports = await spool.record(o.table.counters(listing), isoTime(now().getTime()), o.region);
    if (reports.length > 0) {
      log.info(
        { seq: reports.at(-1)?.seq, items: reports.reduce((a, r) => a + r.items.length, 0) },
        'usage read',
      );
      o.onReports?.(reports);
    }
    return listing;
  };
  // Each prune deletes only what the read before it recorded; reading again at once records the deletion (and what
  // was counted meanwhile), so the next round can release it.
  const prune = async (first: TableListing) => {
    let listing: TableListing | undefined = first;
    for (let i = 0; i < PRUNE_ROUNDS && listing; i++) {
      const batch = o.table.prune?.(listing, spool.baseline);
      if (!batch) return;
      await o.nft.apply(batch);
      log.info({ commands: batch.nftables.length }, 'usage table pruned');
      listing = await read();
    }
  };
  while (!o.signal.aborted) {
    try {
      const spec = o.table.spec();
      const key = spec ? JSON.stringify(spec) : '';
      const due = now().getTime() - lastRead >= interval;
      if (spec && (key !== appliedKey || due)) {
        const listing = await read();
        if (key !== appliedKey) {
          await o.nft.apply(o.table.build(spec, listing));
          appliedKey = key;
        } else if (listing) await prune(listing);
      }
      if (due) {
        lastRead = now().getTime();
        await sendPending(spool, o, log);
      }
    } catch (e) {
      log.warn({ err: isSixpnError(e) ? e.message : String(e) }, 'usage step failed; retrying');
    }
    await sleep(o.pollMs ?? 1000, undefined, { signal: o.signal }).catch(() => undefined);
  }
  await read().catch((e: unknown) => log.warn({ err: String(e) }, 'last usage read failed'));
}

/**
 * Sends one report. When the control plane refuses some of its items (a peer or instance deleted before its last
 * bytes arrived), the rest goes again under the same name, so the others' bytes are not lost with them.
 */
async function sendReport<S>(r: UsageReport, o: UsageTaskOptions<S>, log: Logger): Promise<void> {
  try {
    await o.send(r, o.signal);
  } catch (e) {
    const rest = isSixpnError(e) && e.code === 'not_found' ? withoutRefused(r, e.details ?? {}) : undefined;
    if (!rest) throw e;
    log.warn(
      {
        seq: r.seq,
        err: e instanceof Error ? e.message : String(e),
        dropped: r.items.length - rest.items.length,
      },
      'usage items refused; sending the rest',
    );
    await sendReport(rest, o, log);
  }
}

/**
 * Sends the spooled reports oldest first. A file goes once the control plane has all of its reports (applied now
 * or before); one it refuses for good (400, or a 404 for all of its items) is dropped with a warning; a 404 for some
 * items (instances or peers deleted since) drops those only.
 * Stops at the first failure to reach it: what is left waits for the next interval.
 */
async function sendPending<S>(spool: UsageSpool, o: UsageTaskOptions<S>, log: Logger): Promise<void> {
  for (const { name, file } of await spool.pending()) {
    try {
      for (const r of file.reports) await sendReport(r, o, log);
    } catch (e) {
      if (isSixpnError(e) && (e.code === 'not_found' || e.code === 'invalid_argument')) {
        log.warn({ file: name, err: e.message }, 'usage report refused; dropped');
      } else {
        log.info(
          { file: name, err: isSixpnError(e) ? e.message : String(e) },
          'usage reports wait for the control plane',
        );
        return;
      }
    }
    await spool.sent(name);
  }
}
