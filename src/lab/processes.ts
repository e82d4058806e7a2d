// The lab's long-running processes (control plane, unbound, agents): started detached inside a namespace with
// output to a log file, recorded by PID and start time, and stopped by that record only (a PID the kernel has
// since given to another program is never signalled).

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { SixpnError } from '../core/errors.ts';
import { checkNetnsName } from '../runtime/netns.ts';

/** A process the lab started: enough to find it again and to know it is still the same one. */
export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot): with the PID, identifies the process. */
  startTime: number;
  ns: string;
  argv: string[];
  log: string;
}

/** Field 22 (`starttime`) of a /proc/PID/stat line; the command name (field 2) may hold spaces and parens. */
export function parseStartTime(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state), so field 22 is fields[19]
  const v = Number(fields[19]);
  return Number.isInteger(v) ? v : undefined;
}

function startTimeOf(pid: number): number | undefined {
  try {
    return parseStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The caller's own connection (after `eval "$(sixpn lab env)"`): a token must never reach a lab process's environment. */
const CALLER_ONLY = /^SIXPN_(TOKEN|ADMIN_TOKEN|JOIN_TOKEN|API_URL|CA|CA_FINGERPRINT|CONFIG)$/;

/**
 * Environment for the lab's processes: this one's plus `extra`, minus the caller's SIXPN_ connection and NODE_TEST_CONTEXT (set by node --test, it
 * would silence their logs and make node programs act as test runners).
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && k !== 'NODE_TEST_CONTEXT' && !CALLER_ONLY.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** How processes this process started have ended (for error messages), by PID. */
const exits = new Map<number, string>();

/** `exited with code N` / `was killed by SIG`, when this process started `pid` and saw it end; else `exited`. */
export const exitOf = (pid: number) => exits.get(pid) ?? 'exited';

/** True when the recorded process still runs (same PID and start time; a zombie counts as gone). */
export function isAlive(r: Pick<ProcessRecord, 'pid' | 'startTime'>): boolean {
  try {
    const stat = readFileSync(`/proc/${r.pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return parseStartTime(stat) === r.startTime && state !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts `cmd args` inside network namespace `ns`, in its own session, stdout and stderr appended to `log`, and
 * returns its record. The caller does not wait for it; it outlives this process.
 *
 * It enters only the network namespace (`nsenter --net`, which execs in place, so the PID is the program's), not
 * the private mount namespace `ip netns exec` makes: an agent creates instance namespaces with `ip netns add`,
 * and those must be visible to the rest of the machine (`lab exec`, `lab down`).
 */
export function startDetached(
  ns: string,
  cmd: string,
  args: readonly string[],
  opts: {
    log: string /** The whole environment; default {@link childEnv}(). */;
    env?: Record<string, string>;
    cwd?: string;
  },
): ProcessRecord {
  checkNetnsName(ns);
  const fd = openSync(opts.log, 'a', 0o600);
  try {
    const child = spawn('nsenter', [`--net=/run/netns/${ns}`, '--', cmd, ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? childEnv(),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    child.on('error', () => {
      // nsenter missing is caught by the preflight; a later exit shows in the log and in isAlive.
    });
    child.once('exit', (code, sig) => {
      if (child.pid !== undefined)
        exits.set(child.pid, sig ? `was killed by ${sig}` : `exited with code ${code}`);
    });
    const pid = child.pid;
    if (pid === undefined) throw new SixpnError('internal', `could not start ${cmd} in ${ns}`);
    child.unref();
    const startTime = startTimeOf(pid);
    if (startTime === undefined) {
      throw new SixpnError('internal', `${cmd} in ${ns} exited at once; see ${opts.log}`);
    }
    return { pid, startTime, ns, argv: [cmd, ...args], log: opts.log };
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops a recorded process: SIGTERM, then SIGKILL after `graceMs`. Does nothing when it is already gone or the
 * PID now belongs to another process. Resolves once it is gone.
 */
export async function stopRecorded(r: ProcessRecord, graceMs = 5_000): Promise<void> {
  if (!isAlive(r)) return;
  signal(r.pid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (isAlive(r) && Date.now() < end) await delay(25);
  if (!isAlive(r)) return;
  signal(r.pid, 'SIGKILL');
  while (isAlive(r)) await delay(10);
}

/** SIGKILLs a process found running inside one of the lab's namespaces (see down.ts), if it is still there. */
export async function killPid(pid: number): Promise<void> {
  const startTime = startTimeOf(pid);
  if (startTime === undefined) return;
  const r = { pid, startTime };
  signal(pid, 'SIGTERM');
  const end = Date.now() + 2_000;
  while (isAlive(r) && Date.now() < end) await delay(20);
  if (isAlive(r)) signal(pid, 'SIGKILL');
  while (isAlive(r)) await delay(10);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** The last `n` lines of a log file (for error messages), or '' when it cannot be read. */
export function tailOf(path: string, n = 15): string {
  try {
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '';
  }
}
