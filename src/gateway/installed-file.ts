// <state dir>/installed.json: the gateway's InstalledAt kept across restarts, written only when it changed.

import { readFile } from 'node:fs/promises';
import type { Logger } from '../lib/log.ts';
import { writeAtomic } from '../runtime/file-store.ts';
import { InstalledAt } from './installed.ts';

export class InstalledFile {
  private saved: number;

  private constructor(
    private readonly path: string,
    readonly installed: InstalledAt,
    private readonly log: Logger,
  ) {
    this.saved = installed.version;
  }

  /** The saved times, or none when the file is missing or damaged. */
  static async load(path: string, log: Logger): Promise<InstalledFile> {
    const saved = await readFile(path, 'utf8')
      .then((t) => JSON.parse(t) as Record<string, string>)
      .catch(() => undefined);
    return new InstalledFile(path, new InstalledAt(saved), log);
  }

  /** Writes the times when they changed since the last save; a failed write is logged and retried next time. */
  async save(): Promise<void> {
    if (this.installed.version === this.saved) return;
    const v = this.installed.version;
    await writeAtomic(this.path, JSON.stringify(this.installed), 0o600).catch((e: unknown) =>
      this.log.warn({ err: String(e) }, 'cannot write installed.json'),
    );
    this.saved = v;
  }
}
