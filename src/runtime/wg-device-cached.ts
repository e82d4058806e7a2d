// A WgDevice wrapper that answers `get` from memory: the state last read, with every `set` since applied to it.
// For gateways with thousands of peers, where a real `get=1` costs ~100 ms: plan against the cache on each
// change, and refresh from the device now and then to pick up what changed underneath (and live counters).

import { applySet } from '../core/wg/apply.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import type { WgDevice } from './wg-device.ts';

export class CachedWgDevice implements WgDevice {
  private state: DeviceState | undefined;

  constructor(readonly inner: WgDevice) {}

  get iface(): string {
    return this.inner.iface;
  }

  /**
   * The cached state (read from the device the first time). Handshake times and byte counters in it are as
   * of the last {@link refresh}; keys, endpoints we set, keepalives and allowed IPs are current.
   */
  async get(signal?: AbortSignal): Promise<DeviceState> {
    if (!this.state) await this.refresh(signal);
    return this.state!;
  }

  /** Sends the operation; on success the cache follows. On failure the cache is dropped (next get re-reads). */
  async set(op: UapiSet, signal?: AbortSignal): Promise<void> {
    try {
      await this.inner.set(op, signal);
    } catch (e) {
      this.state = undefined;
      throw e;
    }
    if (this.state) this.state = applySet(this.state, op);
  }

  /** Reads the device again. */
  async refresh(signal?: AbortSignal): Promise<DeviceState> {
    this.state = await this.inner.get(signal);
    return this.state;
  }
}
