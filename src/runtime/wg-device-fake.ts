// An in-memory WireGuard device for unit tests of reconcilers: applies `set` the way wireguard-go does, records
// every operation, and — given the test's fake network — has a lifecycle: its link appears on `create` and goes
// (with addresses and routes) on `destroy` or a simulated crash (agent and gateway alike).

import { invalid } from '../core/errors.ts';
import { applySet } from '../core/wg/apply.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import type { WgDevice } from './wg-device.ts';

/** Where the interface's link appears and goes in the fake network. */
export interface FakeLinks {
  add(iface: string): void;
  remove(iface: string): void | Promise<void>;
}

const EMPTY: DeviceState = { privateKey: null, listenPort: 0, fwmark: 0, peers: [] };

export class FakeWgDevice implements WgDevice {
  /** The device while it exists; undefined before `create`, after `destroy` or `crash`. */
  state: DeviceState | undefined;
  /** Every operation received since the device was created: a test of "nothing to do" asserts this stays empty. */
  readonly sets: UapiSet[] = [];
  gets = 0;
  creates = 0;

  /** Without `links`, a device that runs from the start (a driver's view); with them, one `create` makes. */
  constructor(
    readonly iface: string,
    private readonly links?: FakeLinks,
  ) {
    if (!links) this.state = structuredClone(EMPTY);
  }

  async get(): Promise<DeviceState | undefined> {
    if (!this.state) return undefined;
    this.gets++;
    return structuredClone(this.state);
  }

  async set(op: UapiSet): Promise<void> {
    if (!this.state) throw invalid(`no WireGuard device ${this.iface}`);
    this.sets.push(structuredClone(op));
    this.state = applySet(this.state, op);
  }

  async create(): Promise<void> {
    if (this.state) return;
    this.creates++;
    this.state = structuredClone(EMPTY);
    this.sets.length = 0;
    this.gets = 0;
    this.links?.add(this.iface);
  }

  async destroy(): Promise<void> {
    this.state = undefined;
    await this.links?.remove(this.iface);
  }

  /** Simulates the device's process dying (its link, with addresses and routes, goes with it). */
  crash(): void {
    this.state = undefined;
    void this.links?.remove(this.iface);
  }
}
