// The WireGuard device seam (agent and gateway alike: the mesh, a gateway's peer interface), and the UAPI client
// of userspace devices over /var/run/wireguard/IFACE.sock.
// Protocol: https://www.wireguard.com/xplatform/#configuration-protocol (encoding in src/core/wg/uapi.ts).

import { connect } from 'node:net';
import { SixpnError } from '../core/errors.ts';
import { type DeviceConfig, planDevice } from '../core/wg/plan.ts';
import {
  type DeviceState,
  encodeSet,
  GET_REQUEST,
  parseGet,
  parseSetReply,
  type UapiSet,
} from '../core/wg/uapi.ts';

/**
 * A WireGuard interface of this namespace, read, changed, and created or destroyed. Drivers: `UserspaceWg`
 * (wireguard-go), `KernelWg` (wg-interface.ts); `CachedWgDevice` in front of one; `FakeWgDevice` for tests.
 */
export interface WgDevice {
  readonly iface: string;
  /** The device as it is now (`get=1`), or undefined when there is none (never created, or its process died). */
  get(signal?: AbortSignal): Promise<DeviceState | undefined>;
  /** Applies one `set=1` operation. Not atomic on error: lines before the failing one stay applied. */
  set(op: UapiSet, signal?: AbortSignal): Promise<void>;
  /** Makes the device exist (adopting one that already runs). Idempotent. */
  create(signal?: AbortSignal): Promise<void>;
  /** Removes the device (teardown); succeeds when it is gone already. */
  destroy(): Promise<void>;
}

export const DEFAULT_SOCKET_DIR = '/var/run/wireguard';

export function socketPath(iface: string, dir = DEFAULT_SOCKET_DIR): string {
  return `${dir}/${iface}.sock`;
}

/**
 * Sends one request on a fresh connection and returns the reply, which ends with the protocol's blank line.
 * One connection per request: after a failed `set`, the device would read our leftover lines as a new request.
 */
export function uapiRequest(
  path: string,
  request: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let last = '';
    let done = false;
    const sock = connect({ path });
    const finish = (err: Error | undefined, reply?: string) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(reply ?? '');
    };
    const onAbort = () =>
      finish(
        new SixpnError(
          'unavailable',
          `WireGuard UAPI at ${path}: no reply within ${timeoutMs} ms (or aborted)`,
          {
            cause: signal.reason,
          },
        ),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('connect', () => sock.write(request));
    sock.on('data', (b: Buffer) => {
      chunks.push(b);
      // The reply has no blank line before its end, so "ends with \n\n" (possibly across chunks) means done.
      last = (last + b.toString('latin1')).slice(-2);
      if (last === '\n\n') finish(undefined, Buffer.concat(chunks).toString('utf8'));
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        new SixpnError(
          'unavailable',
          e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
            ? `no WireGuard device answers at ${path}; is wireguard-go running for it?`
            : `WireGuard UAPI at ${path}: ${e.message}`,
          { cause: e, details: { path } },
        ),
      ),
    );
    sock.on('close', () =>
      finish(
        new SixpnError('unavailable', `WireGuard UAPI at ${path} closed the connection before replying`),
      ),
    );
  });
}

/** A device reached through its UAPI socket (wireguard-go, boringtun, …). Holds no connection between calls. */
export class UapiClient {
  readonly path: string;
  constructor(
    readonly iface: string,
    opts: { socketDir?: string; timeoutMs?: number } = {},
  ) {
    this.path = socketPath(iface, opts.socketDir);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }
  private readonly timeoutMs: number;

  async get(signal?: AbortSignal): Promise<DeviceState> {
    return parseGet(await uapiRequest(this.path, GET_REQUEST, { signal, timeoutMs: this.timeoutMs }));
  }

  async set(op: UapiSet, signal?: AbortSignal): Promise<void> {
    parseSetReply(await uapiRequest(this.path, encodeSet(op), { signal, timeoutMs: this.timeoutMs }));
  }

  /** True when something answers on the socket. */
  async alive(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.get(signal);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Reads the device, plans, and sends the one `set` that fixes it (none when it is already right).
 * Returns the operation sent, or null. Idempotent: a second call with the same `desired` sends nothing.
 * Fails with `unavailable` when there is no device.
 */
export async function reconcileDevice(
  dev: Pick<WgDevice, 'iface' | 'get' | 'set'>,
  desired: DeviceConfig,
  signal?: AbortSignal,
): Promise<UapiSet | null> {
  const have = await dev.get(signal);
  if (!have) throw new SixpnError('unavailable', `WireGuard interface ${dev.iface} is not running`);
  const op = planDevice(desired, have);
  if (op) await dev.set(op, signal);
  return op;
}
