// Starts and stops wireguard-go (userspace WireGuard) for one interface, inside a network namespace or here.
// The process is tracked by PID and stopped by PID; it logs to a file so it outlives the process that started it.

import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalid, SixpnError } from '../core/errors.ts';
import { inNetns } from './exec.ts';
import { checkOwnedLink, removeLink } from './link.ts';
import { DEFAULT_SOCKET_DIR, socketPath, UapiClient } from './wg-device.ts';

export interface WireguardGoOptions {
  /** Network namespace to run in (undefined: the current one). */
  ns?: string;
  /** Interface name, `sx…`: the control socket is machine-wide, so names must be unique on the machine. */
  iface: string;
  /** Append wireguard-go's log here (default: discarded). */
  logFile?: string;
  /** wireguard-go's LOG_LEVEL: `error` (default), `verbose` or `silent`. */
  logLevel?: 'error' | 'verbose' | 'silent';
  /** How long to wait for the control socket (default 5 s). */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

const POLL_MS = 20;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A running wireguard-go and the device it serves. */
export class WireguardGo {
  private exited = false;

  private constructor(
    readonly pid: number,
    readonly ns: string | undefined,
    readonly device: UapiClient,
    private readonly done: Promise<void>,
  ) {
    void done.then(() => {
      this.exited = true;
    });
  }

  get iface(): string {
    return this.device.iface;
  }

  /**
   * True once the process has exited, false after `ms`. The timer is referenced (the child is not), so a
   * caller awaiting this keeps the event loop alive; it is cleared as soon as the process exits.
   */
  private async waitExit(ms: number): Promise<boolean> {
    const ac = new AbortController();
    const timer = sleep(ms, false, { signal: ac.signal }).catch(() => true);
    const exited = await Promise.race([this.done.then(() => true), timer]);
    ac.abort();
    return exited;
  }

  /**
   * Starts `wireguard-go -f IFACE` (in `ns` via `ip netns exec`, which execs, so the PID is wireguard-go's own)
   * and resolves once its UAPI socket answers. Fails with `already_exists` if a device of that name answers.
   */
  static async start(opts: WireguardGoOptions): Promise<WireguardGo> {
    checkOwnedLink(opts.ns, opts.iface);
    if (!opts.iface.startsWith('sx')) throw invalid(`WireGuard interface '${opts.iface}' must be named sx…`);
    const device = new UapiClient(opts.iface, { timeoutMs: 2_000 });
    if (await device.alive(opts.signal)) {
      throw new SixpnError(
        'already_exists',
        `a WireGuard device '${opts.iface}' already runs; stop it or attach`,
        {
          details: { iface: opts.iface },
        },
      );
    }
    const log = opts.logFile ? openSync(opts.logFile, 'a', 0o600) : 'ignore';
    const [cmd, args] = inNetns(opts.ns, 'wireguard-go', ['-f', opts.iface]);
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args, {
        detached: true,
        stdio: ['ignore', log, log],
        env: {
          ...process.env,
          WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
          LOG_LEVEL: opts.logLevel ?? 'error',
        },
      });
    } finally {
      if (typeof log === 'number') closeSync(log);
    }
    const done = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
    });
    child.unref();
    const pid = child.pid;
    const wg = new WireguardGo(pid ?? -1, opts.ns, new UapiClient(opts.iface), done);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 5_000);
    for (;;) {
      if (spawnError || pid === undefined) {
        throw new SixpnError('failed_precondition', 'wireguard-go could not be started; is it installed?', {
          cause: spawnError,
        });
      }
      if (wg.exited) {
        throw new SixpnError(
          'unavailable',
          `wireguard-go for ${opts.iface} exited at start (is it installed?)${opts.logFile ? `; see ${opts.logFile}` : ''}`,
          { details: { iface: opts.iface, ns: opts.ns } },
        );
      }
      if (await device.alive(opts.signal)) return wg;
      if (Date.now() > deadline || opts.signal?.aborted) {
        await wg.stop();
        throw new SixpnError('unavailable', `wireguard-go for ${opts.iface} did not open its socket in time`);
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Stops this wireguard-go by PID (SIGTERM, then SIGKILL after `graceMs`), and removes a socket file it left.
   * Safe to call twice.
   */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.pid > 0 && !this.exited && alive(this.pid)) {
      process.kill(this.pid, 'SIGTERM');
      if (!(await this.waitExit(graceMs)) && alive(this.pid)) {
        process.kill(this.pid, 'SIGKILL');
        await this.waitExit(graceMs);
      }
    }
    rmSync(socketPath(this.iface), { force: true });
  }
}

/**
 * Stops a wireguard-go that this process did not start (one found running after a restart) without knowing
 * its PID: deleting its TUN interface makes it exit. Then removes a stale socket file.
 */
export async function stopWireguardGoByLink(ns: string | undefined, iface: string): Promise<void> {
  await removeLink(ns, iface);
  const device = new UapiClient(iface, { timeoutMs: 500 });
  for (let i = 0; i < 100 && (await device.alive()); i++) await sleep(POLL_MS);
  rmSync(socketPath(iface, DEFAULT_SOCKET_DIR), { force: true });
}
