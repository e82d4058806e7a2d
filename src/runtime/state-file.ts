// The agent's copy of the state on disk (<state dir>/state.json): loaded at start so the agent reconciles and
// serves DNS while the control plane is down, rewritten atomically (debounced) as changes arrive.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotSchema } from '../client/schemas.ts';
import type { AddressPlan } from '../core/address.ts';
import { ZoneIndex } from '../core/dns/zone-index.ts';
import type { Snapshot } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import type { Logger } from '../lib/log.ts';
import { writeAtomic } from './file-store.ts';

/** The saved snapshot, or undefined when there is none or it cannot be read (then the agent starts empty). */
export async function loadStateFile(path: string, logger: Logger): Promise<Snapshot | undefined> {
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

/** Writes the state at most once per `delayMs`, always the latest; `flush` writes now if something is pending. */
export class StateFile {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private written = -1;

  constructor(
    private readonly path: string,
    private readonly state: LocalState,
    private readonly logger: Logger,
    private readonly delayMs = 200,
  ) {}

  /** Marks the state as changed. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.delayMs);
  }

  /** Writes pending changes now and waits for the write. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.write();
  }

  private write(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const snap = this.state.snapshot();
      if (snap.revision === this.written) return;
      try {
        await writeAtomic(this.path, JSON.stringify(snap), 0o600);
        this.written = snap.revision;
      } catch (e) {
        this.logger.warn({ path: this.path, err: String(e) }, 'cannot write state file');
      }
    });
    return this.writing;
  }
}

/**
 * The local copy an agent or gateway starts from: the state saved in `stateDir/state.json` (empty when there is
 * none), the DNS zone built from it, and the file that saves it again. With this a restarted process reconciles
 * and answers DNS before — or without — reaching the control plane.
 */
export async function loadLocalState(
  stateDir: string,
  plan: AddressPlan,
  logger: Logger,
): Promise<{ state: LocalState; zone: ZoneIndex; stateFile: StateFile }> {
  const path = join(stateDir, 'state.json');
  const state = new LocalState();
  const saved = await loadStateFile(path, logger);
  if (saved) state.applySnapshot(saved);
  const zone = new ZoneIndex({ plan });
  zone.applySnapshot(state.snapshot());
  return { state, zone, stateFile: new StateFile(path, state, logger) };
}
