// The usage spool of an agent or gateway in its state directory: the last counter read (the baseline), the report sequence, and
// reports that wait for the control plane. Each counter read becomes one file written atomically with the
// baseline it leads to, so a crash at any point never counts an interval twice (see README "Usage").

import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CounterKey, CounterRead } from '../core/nft/usage.ts';
import { type Baseline, counterDeltas, reportItems, type UsageReport } from '../core/usage/delta.ts';
import { writeAtomic } from '../runtime/file-store.ts';

/** What survives a restart. */
export interface SpoolState {
  /** Made with the spool: a new state directory never reuses the seqs of an old one. */
  epoch: string;
  /** The last seq used (0: none). */
  seq: number;
  baseline: Baseline;
}

/** One read's reports (several when it had more than `MAX_ITEMS` items) and the baseline after it. */
export interface SpoolFile {
  reports: UsageReport[];
  baseline: Baseline;
}

/** Items per report: a report stays under the API's 64 KiB body limit. */
export const MAX_ITEMS = 300;

/**
 * The state after reading `counters` at `at` on a host of region `region`, and the file to write when there was
 * traffic (consecutive seqs, one report per `MAX_ITEMS` items). Pure.
 */
export function recordRead(
  s: SpoolState,
  counters: readonly (CounterKey & CounterRead)[],
  at: string,
  region: string,
): { state: SpoolState; file?: SpoolFile } {
  const { deltas, next } = counterDeltas(s.baseline, counters);
  const items = reportItems(region, deltas);
  if (items.length === 0) return { state: { ...s, baseline: next } };
  const reports: UsageReport[] = [];
  for (let i = 0; i < items.length; i += MAX_ITEMS) {
    reports.push({
      epoch: s.epoch,
      seq: s.seq + reports.length + 1,
      at,
      items: items.slice(i, i + MAX_ITEMS),
    });
  }
  return { state: { ...s, seq: s.seq + reports.length, baseline: next }, file: { reports, baseline: next } };
}

/**
 * The state to resume from: the saved one, moved past any spool file with later seqs (a crash after the file was
 * written and before the state was: the file's baseline already holds its interval). Pure.
 */
export function recover(saved: SpoolState, files: readonly SpoolFile[]): SpoolState {
  let s = saved;
  for (const f of files) {
    const last = f.reports.at(-1)?.seq ?? 0;
    if (last > s.seq) s = { ...s, seq: last, baseline: f.baseline };
  }
  return s;
}

const STATE = 'state.json';
const fileName = (seq: number) => `${String(seq).padStart(12, '0')}.json`;
const FILE_RE = /^\d{12}\.json$/;

/** The spool on disk: `<dir>/state.json` and `<dir>/pending/<last seq>.json`. */
export class UsageSpool {
  private constructor(
    readonly dir: string,
    private state: SpoolState,
  ) {}

  /** Opens (or starts) the spool in `dir`, recovering from a crash between a file and the state. */
  static async open(dir: string): Promise<UsageSpool> {
    const text = await readFile(join(dir, STATE), 'utf8').catch(() => undefined);
    const saved: SpoolState = text
      ? (JSON.parse(text) as SpoolState)
      : { epoch: randomBytes(8).toString('hex'), seq: 0, baseline: {} };
    const pending = await UsageSpool.pendingIn(dir);
    const spool = new UsageSpool(
      dir,
      recover(
        saved,
        pending.map((p) => p.file),
      ),
    );
    if (!text || spool.state.seq !== saved.seq) await spool.saveState();
    return spool;
  }

  private static async pendingIn(dir: string): Promise<{ name: string; file: SpoolFile }[]> {
    const names = (await readdir(join(dir, 'pending')).catch(() => [] as string[])).filter((n) =>
      FILE_RE.test(n),
    );
    const out: { name: string; file: SpoolFile }[] = [];
    for (const name of names.sort()) {
      out.push({ name, file: JSON.parse(await readFile(join(dir, 'pending', name), 'utf8')) as SpoolFile });
    }
    return out;
  }

  get epoch(): string {
    return this.state.epoch;
  }

  /** The last read of each counter, as saved (what a prune may rely on being recorded). */
  get baseline(): Baseline {
    return this.state.baseline;
  }

  /** Records one read: the file with its reports first, then the state. Returns the reports written. */
  async record(
    counters: readonly (CounterKey & CounterRead)[],
    at: string,
    region: string,
  ): Promise<UsageReport[]> {
    const r = recordRead(this.state, counters, at, region);
    if (r.file) {
      await writeAtomic(join(this.dir, 'pending', fileName(r.state.seq)), JSON.stringify(r.file), 0o600);
    }
    const changed = JSON.stringify(r.state) !== JSON.stringify(this.state);
    this.state = r.state;
    if (changed) await this.saveState();
    return r.file?.reports ?? [];
  }

  /** Files waiting to be sent, oldest first. */
  pending(): Promise<{ name: string; file: SpoolFile }[]> {
    return UsageSpool.pendingIn(this.dir);
  }

  /** Forgets a file once the control plane has every report of it. */
  async sent(name: string): Promise<void> {
    await rm(join(this.dir, 'pending', name), { force: true });
  }

  private saveState(): Promise<void> {
    return writeAtomic(join(this.dir, STATE), JSON.stringify(this.state), 0o600);
  }
}
