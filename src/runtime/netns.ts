// Network namespaces and sysctls inside them, through `ip netns` and `sysctl` (iproute2, procps).
// Idempotent: ensure/remove succeed when the namespace is already as asked.

import { invalid } from '../core/errors.ts';
import { inNetns, run } from './exec.ts';

/** Namespaces sixpn creates are named `sixpn-…`, so it never touches anyone else's. */
export const NETNS_RE = /^sixpn-[a-z0-9][a-z0-9-]{0,48}$/;

export function checkNetnsName(name: string): string {
  if (!NETNS_RE.test(name)) {
    throw invalid(
      `network namespace '${name}' must match ${NETNS_RE} (sixpn creates only sixpn-… namespaces)`,
      {
        field: 'netns',
      },
    );
  }
  return name;
}

/** Names of the machine's named network namespaces. */
export async function listNetns(signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await run('ip', ['-j', 'netns', 'list'], { signal });
  if (stdout.trim() === '') return [];
  const list = JSON.parse(stdout) as { name: string }[];
  return list.map((n) => n.name);
}

export async function netnsExists(name: string, signal?: AbortSignal): Promise<boolean> {
  return (await listNetns(signal)).includes(name);
}

/** Creates the namespace unless it exists, and brings its loopback up. */
export async function ensureNetns(name: string, signal?: AbortSignal): Promise<void> {
  checkNetnsName(name);
  if (!(await netnsExists(name, signal))) await run('ip', ['netns', 'add', name], { signal });
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up'], { signal });
}

/**
 * Deletes the namespace if it exists. Interfaces inside it go with it once no process holds it; stop the
 * processes you started in it first.
 */
export async function removeNetns(name: string, signal?: AbortSignal): Promise<void> {
  checkNetnsName(name);
  if (await netnsExists(name, signal)) await run('ip', ['netns', 'del', name], { signal });
}

const SYSCTL_KEY = /^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/;

export async function readSysctl(ns: string | undefined, key: string, signal?: AbortSignal): Promise<string> {
  if (!SYSCTL_KEY.test(key)) throw invalid(`'${key}' is not a sysctl key`);
  const { stdout } = await run(...inNetns(ns, 'sysctl', ['-n', key]), { signal });
  return stdout.trim();
}

/**
 * Sets a sysctl inside namespace `ns` when it differs. `ns` is required: sixpn never changes the machine's
 * own settings from here.
 */
export async function ensureSysctl(
  ns: string,
  key: string,
  value: string,
  signal?: AbortSignal,
): Promise<void> {
  checkNetnsName(ns);
  if ((await readSysctl(ns, key, signal)) === value) return;
  await run(...inNetns(ns, 'sysctl', ['-q', '-w', `${key}=${value}`]), { signal });
}

/** Turns on IPv6 (and optionally IPv4) forwarding inside a namespace: what a host or gateway namespace needs. */
export async function enableForwarding(ns: string, opts: { ipv4?: boolean; signal?: AbortSignal } = {}) {
  await ensureSysctl(ns, 'net.ipv6.conf.all.forwarding', '1', opts.signal);
  if (opts.ipv4) await ensureSysctl(ns, 'net.ipv4.ip_forward', '1', opts.signal);
}

/** The name of the named network namespace this process runs in, or undefined (the machine's own, or unnamed). */
export async function currentNetnsName(): Promise<string | undefined> {
  const { stdout } = await run('ip', ['netns', 'identify', String(process.pid)]);
  return stdout.trim().split(/\s+/)[0] || undefined;
}
