// Keeps an agent's or gateway's local copy of the state (and its DNS zone) current from the control plane's watch
// stream: snapshot, changes in order, heartbeats; persists after each step; retries after permanent failures.

import { setTimeout as sleep } from 'node:timers/promises';
import type { WatchEvent, WatchOptions } from '../client/watch.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { isSixpnError } from '../core/errors.ts';
import type { Change, EntityOf, Snapshot } from '../core/model.ts';
import type { LocalState } from '../core/state.ts';
import type { Logger } from '../lib/log.ts';
import type { StateSaver } from './state-file.ts';

export interface FollowOptions {
  client: {
    watchChanges(
      since: number | undefined,
      signal: AbortSignal,
      opts?: WatchOptions,
    ): AsyncIterable<WatchEvent>;
  };
  state: LocalState;
  /** Kept current from the stream; undefined when the caller feeds its DNS itself (worker threads). */
  zone: ZoneIndex | undefined;
  /** Saves each step (debounced, proportional to the step). */
  persist: Omit<StateSaver, 'flush'>;
  log: Logger;
  signal: AbortSignal;
  /** Whether the stream is up (for status files and logs). */
  connected(up: boolean): void;
  /** After a snapshot replaced the state (also after a resync: anything may have changed). */
  onSnapshot(snapshot: Snapshot): void;
  /** After `change` was applied; `before` is the object as it was (undefined when it is new). */
  onChange(change: Change, before: EntityOf[Change['kind']] | undefined): void | Promise<void>;
  /** After a heartbeat moved the revision forward with no visible change. */
  onAdvance(): void;
  /** Wait after a failure the watch consumer does not retry itself (bad token, permission); default 30 s. */
  retryMs?: number;
}

/**
 * Follows until `signal` aborts. The DNS zone is updated straight from the stream, before any hook runs, so a
 * change is visible in answers within milliseconds, whatever the reconciler does after.
 */
export async function followControlPlane(o: FollowOptions): Promise<void> {
  const retryMs = o.retryMs ?? 30_000;
  while (!o.signal.aborted) {
    try {
      const since = o.state.revision > 0 ? o.state.revision : undefined;
      for await (const ev of o.client.watchChanges(since, o.signal, { logger: o.log })) {
        if (ev.type === 'disconnected') {
          o.connected(false);
          continue;
        }
        o.connected(true);
        if (ev.type === 'snapshot') {
          o.state.applySnapshot(ev.snapshot);
          o.zone?.applySnapshot(ev.snapshot);
          o.persist.snapshot();
          o.onSnapshot(ev.snapshot);
        } else if (ev.type === 'change') {
          const before = o.state.get(ev.change.kind, ev.change.id);
          if (o.state.applyChange(ev.change)) {
            o.zone?.applyChange(ev.change);
            o.persist.change(ev.change);
            await o.onChange(ev.change, before);
          }
        } else if (ev.revision > o.state.revision) {
          o.state.advance(ev.revision);
          o.persist.advance(ev.revision);
          o.onAdvance();
        }
      }
    } catch (e) {
      o.connected(false);
      if (o.signal.aborted) break;
      o.log.error(
        { err: isSixpnError(e) ? e.message : String(e), code: isSixpnError(e) ? e.code : undefined },
        `watch stream failed; retrying in ${Math.round(retryMs / 1000)} s`,
      );
      await sleep(retryMs, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
}
