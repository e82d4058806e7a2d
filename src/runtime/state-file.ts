// The local copy of the state on disk: <state dir>/state.json, a snapshot, and <state dir>/state.changes, the
// watch-stream steps since it (one JSON line each). Loaded at start so an agent or gateway reconciles and serves DNS
// while the control plane is down. A change appends its own line, so saving costs what changed, not the whole state
// (10,000 peers are ~2.6 MB of JSON): the snapshot is rewritten only after a new snapshot from the stream or once the
// lines outgrow it.

import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseChange, SnapshotSchema } from '../client/schemas.ts';
import type { AddressPlan } from '../core/address.ts';
import { ZoneIndex } from '../core/dns/zone-index.ts';
import type { Change, Snapshot } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import type { Logger } from '../lib/log.ts';
import { writeAtomic } from './file-store.ts';

export const STATE_FILE = 'state.json';
export const CHANGES_FILE = 'state.changes';

/** One line of state.changes: a change, or a heartbeat that moved the revision (`{"advance":REV}`). */
export type JournalLine = Change | { advance: number };

/** The saved snapshot, or undefined when there is none or it cannot be read (then the agent starts empty). */
async function readSnapshot(path: string, logger: Logger): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.warn({ path, err: String(e) }, 'cannot read state file');
    return undefined;
  }
  try {
    return SnapshotSchema.parse(JSON.parse(text)) as Snapshot;
  } catch (e) {
    logger.warn({ path, err: String(e) }, 'state file is damaged; starting from the control plane');
    return undefined;
  }
}

/**
 * The lines of a state.changes text, up to the first that does not parse (a write cut short by a crash; what
 * follows it is not trusted). Pure.
 */
export function parseJournal(text: string): { lines: JournalLine[]; damaged: boolean } {
  const lines: JournalLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      return { lines, damaged: true };
    }
    const adv = (v as { advance?: unknown } | null)?.advance;
    const line = typeof adv === 'number' ? { advance: adv } : parseChange(v);
    if (line === undefined) return { lines, damaged: true };
    lines.push(line);
  }
  return { lines, damaged: false };
}

/** Applies journal lines to a state; lines at or below its revision are skipped (already in the snapshot). */
export function replayJournal(state: LocalState, lines: readonly JournalLine[]): void {
  for (const l of lines) {
    if ('advance' in l) state.advance(l.advance);
    else state.applyChange(l);
  }
}

/**
 * The saved state of `stateDir` (the snapshot with the changes since replayed), or undefined when there is no
 * readable snapshot. `journalBytes`: the size of state.changes (0 when missing).
 */
export async function loadSavedState(
  stateDir: string,
  logger: Logger,
): Promise<{ snapshot: Snapshot; journalBytes: number } | undefined> {
  const snap = await readSnapshot(join(stateDir, STATE_FILE), logger);
  if (!snap) return undefined;
  const path = join(stateDir, CHANGES_FILE);
  const text = await readFile(path, 'utf8').catch(() => '');
  const { lines, damaged } = parseJournal(text);
  if (damaged) logger.warn({ path, replayed: lines.length }, 'state changes file is damaged after this line');
  const state = new LocalState(snap);
  replayJournal(state, lines);
  return { snapshot: state.snapshot(), journalBytes: Buffer.byteLength(text) };
}

/** What the watch stream did to the local state, for it to be saved. */
export interface StateSaver {
  /** The state was replaced by a snapshot. */
  snapshot(): void;
  /** `change` was applied. */
  change(change: Change): void;
  /** A heartbeat moved the revision to `revision`. */
  advance(revision: number): void;
  /** Writes what is pending now and waits for it. */
  flush(): Promise<void>;
}

/** For a state that lives in memory only (`sixpn dns`). */
export const noStateSaver: StateSaver = {
  snapshot: () => {},
  change: () => {},
  advance: () => {},
  flush: async () => {},
};

/**
 * Saves the state at most once per `delayMs`: the new lines appended to state.changes, or, after a snapshot or once
 * the lines outgrow the last snapshot written (at least `minCompactBytes`), the whole state to state.json and
 * state.changes emptied. Each write is atomic or an append, so a crash loses at most the last lines.
 */
export class StateFile implements StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private pending: string[] = [];
  private full: boolean;
  private snapshotBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly state: LocalState,
    private readonly logger: Logger,
    /** The size of state.changes at start; a non-empty one is folded into the snapshot at the first write. */
    private journalBytes = 0,
    private readonly delayMs = 200,
    private readonly minCompactBytes = 1 << 20,
  ) {
    this.full = journalBytes > 0;
  }

  snapshot(): void {
    this.full = true;
    this.pending = [];
    this.schedule();
  }

  change(change: Change): void {
    this.line(change);
  }

  advance(revision: number): void {
    this.line({ advance: revision });
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.write();
  }

  private line(l: JournalLine): void {
    if (!this.full) this.pending.push(`${JSON.stringify(l)}\n`);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.delayMs);
  }

  private write(): Promise<void> {
    this.writing = this.writing.then(() => this.writeNow());
    return this.writing;
  }

  private async writeNow(): Promise<void> {
    const text = this.pending.join('');
    this.pending = [];
    const grown = this.journalBytes + text.length > Math.max(this.minCompactBytes, this.snapshotBytes);
    try {
      if (this.full || grown) await this.writeAll();
      else if (text !== '') {
        await appendFile(join(this.dir, CHANGES_FILE), text, { mode: 0o600 });
        this.journalBytes += text.length;
      }
    } catch (e) {
      // Lines may be lost: the next write rewrites everything.
      this.full = true;
      this.logger.warn({ dir: this.dir, err: String(e) }, 'cannot write state file');
    }
  }

  /** The snapshot first, then the emptied lines: a crash between leaves lines the snapshot already holds. */
  private async writeAll(): Promise<void> {
    this.full = false;
    const text = JSON.stringify(this.state.snapshot());
    await writeAtomic(join(this.dir, STATE_FILE), text, 0o600);
    await writeAtomic(join(this.dir, CHANGES_FILE), '', 0o600);
    this.snapshotBytes = text.length;
    this.journalBytes = 0;
  }
}

/**
 * The local copy an agent or gateway starts from: the state saved in `stateDir` (empty when there is none), the
 * DNS zone built from it, and the file that saves it again. With this a restarted process reconciles and answers
 * DNS before — or without — reaching the control plane.
 */
export async function loadLocalState(
  stateDir: string,
  plan: AddressPlan,
  logger: Logger,
): Promise<{ state: LocalState; zone: ZoneIndex; stateFile: StateFile }> {
  const state = new LocalState();
  const saved = await loadSavedState(stateDir, logger);
  if (saved) state.applySnapshot(saved.snapshot);
  const zone = new ZoneIndex({ plan });
  zone.applySnapshot(state.snapshot());
  return { state, zone, stateFile: new StateFile(stateDir, state, logger, saved?.journalBytes ?? 0) };
}
