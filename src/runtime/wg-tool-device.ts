// The `wg` tool driver: reads with `wg show IFACE dump`, writes with `wg set`. For kernel WireGuard, where no
// UAPI socket exists; it also drives userspace devices (wg falls back to their socket), which is how it is tested.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SixpnError } from '../core/errors.ts';
import type { DeviceState, UapiSet } from '../core/wg/uapi.ts';
import { parseDump, wgSetArgs } from '../core/wg/wg-cli.ts';
import { inNetns, run, stderrOf } from './exec.ts';
import { checkOwnedLink } from './link.ts';

/** A device read and changed with the `wg` tool (in namespace `ns`, or here). */
export class WgTool {
  constructor(
    readonly iface: string,
    readonly ns?: string,
  ) {}

  private wg(args: string[], signal?: AbortSignal) {
    return run(...inNetns(this.ns, 'wg', args), { signal, timeoutMs: 30_000 });
  }

  async get(signal?: AbortSignal): Promise<DeviceState> {
    return parseDump((await this.wg(['show', this.iface, 'dump'], signal)).stdout);
  }

  /**
   * Applies `op` with one `wg set`. Keys go through files in a private temporary directory (wg reads keys only
   * from files), removed before returning. `update_only` and `replace_peers` are resolved against a fresh `get`.
   */
  async set(op: UapiSet, signal?: AbortSignal): Promise<void> {
    const needsState = op.replacePeers || (op.peers ?? []).some((p) => p.updateOnly);
    const existing = needsState
      ? new Set<string>((await this.get(signal)).peers.map((p) => p.publicKey))
      : new Set<string>();
    const dir = mkdtempSync(join(tmpdir(), 'sixpn-wg-'));
    try {
      let n = 0;
      const files = new Map<string, string>();
      const keyFile = (secret: string) => {
        let f = files.get(secret);
        if (f === undefined) {
          f = join(dir, `k${n++}`);
          writeFileSync(f, `${secret}\n`, { mode: 0o600 });
          files.set(secret, f);
        }
        return f;
      };
      const args = wgSetArgs(this.iface, op, existing, keyFile);
      if (args.length > 2) await this.wg(args, signal);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Creates a kernel WireGuard interface (`ip link add IFACE type wireguard`) unless it exists. Fails with
 * `failed_precondition` when the kernel has no WireGuard: use wireguard-go there.
 */
export async function ensureKernelWg(
  ns: string | undefined,
  iface: string,
  signal?: AbortSignal,
): Promise<void> {
  checkOwnedLink(ns, iface);
  const nsArgs = ns === undefined ? [] : ['-n', ns];
  try {
    await run('ip', [...nsArgs, 'link', 'show', 'dev', iface], { signal });
    return;
  } catch {
    // absent: create it below
  }
  try {
    await run('ip', [...nsArgs, 'link', 'add', 'dev', iface, 'type', 'wireguard'], { signal });
  } catch (e) {
    if (/Unknown device type|not supported/i.test(stderrOf(e))) {
      throw new SixpnError(
        'failed_precondition',
        'this kernel has no WireGuard module; run the userspace implementation (wireguard-go) instead',
        { cause: e },
      );
    }
    throw e;
  }
}
