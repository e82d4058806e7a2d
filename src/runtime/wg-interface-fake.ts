// An in-memory WireGuard interface (a MeshDevice) for unit tests: a FakeWgDevice while it exists, plus its link in
// the test's fake network (agent and gateway alike).

import { invalid } from '../core/errors.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import { FakeWgDevice } from './wg-device-fake.ts';
import type { MeshDevice } from './wg-interface.ts';

/** Where the interface's link appears and goes in the fake network. */
export interface FakeLinks {
  add(iface: string): void;
  remove(iface: string): void | Promise<void>;
}

export class FakeWgInterface implements MeshDevice {
  device: FakeWgDevice | undefined;
  creates = 0;

  constructor(
    readonly iface: string,
    private readonly links: FakeLinks,
  ) {}

  /** Every `set` the device received since it was created. */
  get sets(): UapiSet[] {
    return this.device?.sets ?? [];
  }

  async get(): Promise<DeviceState | undefined> {
    return this.device?.get();
  }

  async create(): Promise<void> {
    if (this.device) return;
    this.creates++;
    this.device = new FakeWgDevice(this.iface);
    this.links.add(this.iface);
  }

  async set(op: UapiSet): Promise<void> {
    if (!this.device) throw invalid(`no WireGuard device ${this.iface}`);
    await this.device.set(op);
  }

  async destroy(): Promise<void> {
    this.device = undefined;
    await this.links.remove(this.iface);
  }

  /** Simulates the device's process dying (its link, with addresses and routes, goes with it). */
  crash(): void {
    this.device = undefined;
    void this.links.remove(this.iface);
  }
}
