// Keeps a zone index current from a state source (snapshot + change subscription), for embedders that do not
// feed the index themselves.

import type { ZoneIndex } from '../core/dns/zone-index.ts';
import type { Change, Snapshot } from '../core/model.ts';

/** Where the state comes from: the agent's local copy, the gateway's, or a control-plane watch client. */
export interface StateSource {
  snapshot(): Snapshot | Promise<Snapshot>;
  /** Delivers every committed change in revision order; returns an unsubscribe. */
  subscribe(onChange: (c: Change) => void): () => void;
}

/**
 * Subscribes first, then loads the snapshot and replays the changes that arrived meanwhile (the index ignores
 * those already in the snapshot), so nothing is missed. Stops following when `signal` aborts.
 */
export async function followState(zone: ZoneIndex, source: StateSource, signal: AbortSignal): Promise<void> {
  let buffered: Change[] | undefined = [];
  const unsubscribe = source.subscribe((c) => {
    if (buffered) buffered.push(c);
    else zone.applyChange(c);
  });
  signal.addEventListener('abort', unsubscribe, { once: true });
  try {
    zone.applySnapshot(await source.snapshot());
  } catch (e) {
    unsubscribe();
    throw e;
  }
  const pending = buffered;
  buffered = undefined;
  for (const c of pending) zone.applyChange(c);
}
