// A WireGuard interface of this namespace and its lifecycle: userspace (wireguard-go, spawned detached so it outlives
// the agent or gateway, adopted by its UAPI socket after a restart) or kernel (`ip link add type wireguard`, `wg`).
// The WgDevice drivers: the host mesh of agents and gateways, and a gateway's peer interface.

import { existsSync } from 'node:fs';
import { SixpnError } from '../core/errors.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import type { Logger } from '../lib/log.ts';
import { getLink, removeLink } from './link.ts';
import { UapiClient, type WgDevice } from './wg-device.ts';
import { ensureKernelWg, WgTool } from './wg-tool-device.ts';
import { stopWireguardGoByLink, WireguardGo } from './wireguard-go.ts';

export type WireguardMode = 'userspace' | 'kernel';

/** Kernel WireGuard when the module is loaded and `wg` is installed, else wireguard-go. */
export function defaultWireguardMode(): WireguardMode {
  const wg = ['/usr/bin/wg', '/usr/sbin/wg', '/bin/wg'].some((p) => existsSync(p));
  return wg && existsSync('/sys/module/wireguard') ? 'kernel' : 'userspace';
}

/** wireguard-go reached through /var/run/wireguard/IFACE.sock. */
export class UserspaceWg implements WgDevice {
  private readonly dev: UapiClient;

  constructor(
    readonly iface: string,
    private readonly opts: { logFile?: string; logger: Logger },
  ) {
    this.dev = new UapiClient(iface, { timeoutMs: 5_000 });
  }

  async get(signal?: AbortSignal): Promise<DeviceState | undefined> {
    try {
      return await this.dev.get(signal);
    } catch (e) {
      if (e instanceof SixpnError && e.code === 'unavailable') return undefined;
      throw e;
    }
  }

  async create(signal?: AbortSignal): Promise<void> {
    const here = await getLink(undefined, this.iface, signal);
    if (await this.dev.alive(signal)) {
      if (here) return; // a wireguard-go from an earlier run of the agent: adopt it
      throw new SixpnError(
        'failed_precondition',
        `a WireGuard device '${this.iface}' runs in another network namespace; give this agent another --mesh-interface`,
      );
    }
    // A TUN left without its process would make wireguard-go fail: remove it first.
    if (here) await removeLink(undefined, this.iface, signal);
    const wg = await WireguardGo.start({
      iface: this.iface,
      ...(this.opts.logFile ? { logFile: this.opts.logFile } : {}),
      ...(signal ? { signal } : {}),
    });
    this.opts.logger.info({ iface: this.iface, pid: wg.pid }, 'wireguard-go started');
  }

  set(op: UapiSet, signal?: AbortSignal): Promise<void> {
    return this.dev.set(op, signal);
  }

  destroy(): Promise<void> {
    return stopWireguardGoByLink(undefined, this.iface);
  }
}

/** Kernel WireGuard, driven with `wg`. */
export class KernelWg implements WgDevice {
  private readonly dev: WgTool;

  constructor(readonly iface: string) {
    this.dev = new WgTool(iface);
  }

  async get(signal?: AbortSignal): Promise<DeviceState | undefined> {
    if (!(await getLink(undefined, this.iface, signal))) return undefined;
    return this.dev.get(signal);
  }

  create(signal?: AbortSignal): Promise<void> {
    return ensureKernelWg(undefined, this.iface, signal);
  }

  set(op: UapiSet, signal?: AbortSignal): Promise<void> {
    return this.dev.set(op, signal);
  }

  destroy(): Promise<void> {
    return removeLink(undefined, this.iface);
  }
}
