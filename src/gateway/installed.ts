// When each peer was installed on the gateway's WireGuard device (reported as `installed_at`), kept across
// restarts in <state dir>/installed.json. Pure bookkeeping; the gateway saves it.

import { isoTime } from '../core/iso-time.ts';
import type { UapiSet } from '../core/wg/uapi.ts';

export class InstalledAt {
  private readonly at = new Map<string, string>();
  /** Bumped on every change; the saver writes when it moved. */
  version = 0;

  constructor(saved?: Record<string, string>) {
    for (const [k, v] of Object.entries(saved ?? {})) if (typeof v === 'string') this.at.set(k, v);
  }

  get(publicKey: string): string | null {
    return this.at.get(publicKey) ?? null;
  }

  /** Follows an operation sent to the device: new peers are installed now, removed ones forgotten. */
  noteSet(op: UapiSet, now: Date): void {
    for (const p of op.peers ?? []) {
      if (p.remove) {
        if (this.at.delete(p.publicKey)) this.version++;
      } else if (!p.updateOnly && !this.at.has(p.publicKey)) {
        this.at.set(p.publicKey, isoTime(now.getTime()));
        this.version++;
      }
    }
  }

  /** Forgets keys the device no longer has (after a full read of it). */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of [...this.at.keys()]) {
      if (!keys.has(k)) {
        this.at.delete(k);
        this.version++;
      }
    }
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.at);
  }
}
