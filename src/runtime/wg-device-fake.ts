// An in-memory WireGuard device for unit tests of reconcilers: applies `set` the way wireguard-go does.

import { applySet } from '../core/wg/apply.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import type { WgDevice } from './wg-device.ts';

export class FakeWgDevice implements WgDevice {
  /** Every operation received, in order: a test of "nothing to do" asserts this stays empty. */
  readonly sets: UapiSet[] = [];
  gets = 0;

  constructor(
    readonly iface: string,
    public state: DeviceState = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] },
  ) {}

  async get(): Promise<DeviceState> {
    this.gets++;
    return structuredClone(this.state);
  }

  async set(op: UapiSet): Promise<void> {
    this.sets.push(structuredClone(op));
    this.state = applySet(this.state, op);
  }
}
