// An in-memory mesh device for unit tests: the fake WireGuard device of src/runtime, plus its link in a MemoryNet.

import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import { FakeWgDevice } from '../runtime/wg-device-fake.ts';
import type { MeshDevice } from '../runtime/wg-interface.ts';
import type { MemoryNet } from './host-net-fake.ts';

export class FakeMesh implements MeshDevice {
  device: FakeWgDevice | undefined;
  creates = 0;

  constructor(
    readonly iface: string,
    private readonly net: MemoryNet,
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
    this.net.addLink(undefined, this.iface, { mtu: 1420 });
  }

  async set(op: UapiSet): Promise<void> {
    if (!this.device) throw new Error(`no WireGuard device ${this.iface}`);
    await this.device.set(op);
  }

  async destroy(): Promise<void> {
    this.device = undefined;
    await this.net.delLink(undefined, this.iface);
  }

  /** Simulates the device's process dying (its link goes with it). */
  crash(): void {
    this.device = undefined;
    void this.net.delLink(undefined, this.iface);
  }
}
