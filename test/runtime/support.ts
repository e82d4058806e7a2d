// Shared pieces of the runtime integration tests: skip rules, unique names, and cleanup that runs on failure too.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { type Cidr, formatCidr } from '../../src/core/address.ts';
import { run } from '../../src/runtime/exec.ts';
import { ensureLinkState, ensureRoute, ensureVethPair, syncAddresses } from '../../src/runtime/link.ts';
import { ensureNetns, removeNetns } from '../../src/runtime/netns.ts';

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why these tests cannot run here, or undefined when they can (root, and the programs installed). */
export function cannotRun(programs: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const missing = programs.filter((p) => !has(p));
  return missing.length > 0 ? `missing programs: ${missing.join(', ')}` : undefined;
}

/** 4 hex digits: keeps names of concurrent or left-over runs apart (interface names are at most 15 chars). */
export function suffix(): string {
  return randomBytes(2).toString('hex');
}

/** Cleanup steps run in reverse order; each failure is collected, and the first is rethrown at the end. */
export class Cleanup {
  private steps: (() => Promise<void> | void)[] = [];
  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (e) {
        errors.push(e);
      }
    }
    this.steps = [];
    if (errors.length > 0) throw errors[0];
  }
}

/** A cleanup bound to the test: runs after it, pass or fail. */
export function cleanupFor(t: TestContext): Cleanup {
  const c = new Cleanup();
  t.after(() => c.run());
  return c;
}

/** Creates a namespace and registers its removal. */
export async function netns(c: Cleanup, name: string): Promise<string> {
  c.add(() => removeNetns(name));
  await ensureNetns(name);
  return name;
}

/** A veth between two namespaces, both ends up, with the given addresses. */
export async function wire(
  a: { ns: string; name: string; addrs: string[] },
  b: { ns: string; name: string; addrs: string[] },
  mtu?: number,
): Promise<void> {
  await ensureVethPair({ ns: a.ns, name: a.name, peerNs: b.ns, peer: b.name, ...(mtu ? { mtu } : {}) });
  for (const end of [a, b]) {
    await syncAddresses(end.ns, end.name, end.addrs);
    await ensureLinkState(end.ns, end.name, { up: true });
  }
}

/**
 * An "instance" namespace behind veth `veth` of namespace `host`, as an agent lays it out: its /112 routed to the
 * veth on the host side, the 6PN (fdaa::/16) via fe80::1 on its side.
 */
export async function attachInstance(
  c: Cleanup,
  host: string,
  x: { ns: string; veth: string; addr: string; prefix: Cidr },
): Promise<void> {
  await netns(c, x.ns);
  await wire(
    { ns: host, name: x.veth, addrs: ['fe80::1/64'] },
    { ns: x.ns, name: 'eth0', addrs: [`${x.addr}/112`] },
  );
  await ensureRoute(host, { dst: formatCidr(x.prefix), dev: x.veth });
  await ensureRoute(x.ns, { dst: 'fdaa::/16', via: 'fe80::1', dev: 'eth0' });
}

/** Runs ping inside `ns`; true when a reply came back. */
export async function ping(
  ns: string,
  dst: string,
  opts: { from?: string; waitS?: number; count?: number } = {},
) {
  const args = ['netns', 'exec', ns, 'ping', '-6', '-n', '-q', '-c', String(opts.count ?? 1), '-W'];
  args.push(String(opts.waitS ?? 1));
  if (opts.from) args.push('-I', opts.from);
  args.push(dst);
  try {
    await run('ip', args, { timeoutMs: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** Retries `f` until it returns true or `ms` pass (for things that settle, like the first handshake). */
export async function eventually(f: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) if (await f()) return true;
  return false;
}
