// Helpers of the end-to-end tests: commands inside lab nodes, DNS and reachability probes made with the real
// tools (dig, getent, ping, node sockets) from inside instance namespaces, and snapshots of the machine's own
// network state to prove the lab leaves it alone.

import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { run } from '../../src/runtime/exec.ts';

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the e2e tests cannot run here (not root, a program missing), or undefined. */
export function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const need = ['ip', 'nsenter', 'nft', 'wireguard-go', 'wg', 'unbound', 'dig', 'getent', 'ping'];
  const missing = need.filter((p) => !has(p) && !has(`/usr/sbin/${p}`));
  return missing.length > 0 ? `missing programs: ${missing.join(', ')}` : undefined;
}

export const instNs = (id: string) => `sixpn-i-${id}`;

/** Runs `cmd args` in namespace `ns` (with its /etc/netns files, like `lab exec`); stdout, or throws. */
export async function inNs(ns: string, cmd: string, args: string[], timeoutMs = 15_000): Promise<string> {
  return (await run('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs })).stdout;
}

/** `dig +short TYPE NAME` from `ns` through its resolver (the host's fdaa::3 for an instance): answer lines. */
export async function digShort(ns: string, type: string, name: string, server?: string): Promise<string[]> {
  const at = server ? [`@${server}`] : [];
  const out = await inNs(ns, 'dig', [...at, '+short', '+time=2', '+tries=2', type, name]);
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

/** The rcode of `dig TYPE NAME` from `ns` (NOERROR, NXDOMAIN, …). */
export async function digStatus(ns: string, type: string, name: string): Promise<string> {
  const out = await inNs(ns, 'dig', ['+time=2', '+tries=2', type, name]);
  return /status: ([A-Z]+)/.exec(out)?.[1] ?? 'none';
}

/** `getent ahosts NAME` from `ns` (glibc's resolver with the instance's nsswitch/resolv.conf): the addresses. */
export async function getentAhosts(ns: string, name: string): Promise<string[]> {
  try {
    const out = await inNs(ns, 'getent', ['ahosts', name]);
    return [
      ...new Set(
        out
          .split('\n')
          .map((l) => l.split(/\s+/)[0] ?? '')
          .filter(Boolean),
      ),
    ].sort();
  } catch {
    return [];
  }
}

/** One ping from `ns` (optionally from a given source address); true when a reply came back. */
export async function ping6(ns: string, dst: string, o: { from?: string; waitS?: number } = {}) {
  const args = [
    '-6',
    '-n',
    '-q',
    '-c',
    '1',
    '-W',
    String(o.waitS ?? 1),
    ...(o.from ? ['-I', o.from] : []),
    dst,
  ];
  try {
    await inNs(ns, 'ping', args);
    return true;
  } catch {
    return false;
  }
}

/** Polls `f` until it is true or `ms` pass; returns the last result. */
export async function eventually(f: () => Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await f()) return true;
    if (Date.now() > end) return false;
    await delay(everyMs);
  }
}

/** A node program running inside a namespace, with its stdout collected line by line. */
export class NsProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  exited = false;

  constructor(ns: string, script: string, args: string[] = []) {
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args]);
    let buf = '';
    this.child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.child.stderr.on('data', () => {});
    this.child.once('exit', () => {
      this.exited = true;
    });
  }

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Waits for a line matching `re`; undefined after `ms`. */
  async waitFor(re: RegExp, ms = 5_000): Promise<string | undefined> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (this.exited) break;
      await delay(20);
    }
    return this.lines.find((l) => re.test(l));
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await new Promise((r) => this.child.once('exit', r));
  }
}

/** A TCP echo server on [::]:PORT that prints `listening` and then `conn <remote address>` for each client. */
export const TCP_ECHO = `
const s = require('net').createServer((c) => { console.log('conn ' + c.remoteAddress); c.pipe(c); c.on('error', () => {}); });
s.listen(Number(process.argv[1]), '::', () => console.log('listening'));`;

/** A TCP client to ADDR PORT: each stdin line is sent, each echo printed as `echo <line>`; `closed` at the end. */
export const TCP_CLIENT = `
const c = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) }, () => console.log('connected'));
let buf = '';
c.on('data', (d) => { buf += d; const p = buf.split('\\n'); buf = p.pop(); for (const l of p) console.log('echo ' + l); });
c.on('error', (e) => console.log('error ' + e.code));
c.on('close', () => { console.log('closed'); process.exit(0); });
process.stdin.on('data', (d) => c.write(d));`;

/** A UDP sink on [::]:PORT that prints `from <address> <payload>` for each datagram. */
export const UDP_SINK = `
const s = require('dgram').createSocket('udp6');
s.on('message', (m, r) => console.log('from ' + r.address + ' ' + m.toString()));
s.bind(Number(process.argv[1]), '::', () => console.log('listening'));`;

/**
 * Sends PAYLOAD three times to ADDR PORT from source address SRC (bound explicitly); prints `sent` for each datagram
 * the kernel took and `error CODE` for a failed bind or send.
 */
const UDP_SEND = `
const s = require('dgram').createSocket('udp6');
s.on('error', (e) => { console.log('error ' + e.code); process.exit(1); });
s.bind(0, process.argv[1], () => {
  let n = 0;
  const t = setInterval(() => {
    s.send(process.argv[4], Number(process.argv[3]), process.argv[2], (e) => console.log(e ? 'error ' + e.code : 'sent'));
    if (++n === 3) { clearInterval(t); setTimeout(() => process.exit(0), 100); }
  }, 50);
});`;

/**
 * Sends PAYLOAD three times from `ns` to ADDR PORT from source SRC ({@link UDP_SEND}) and waits until the sender
 * is done: its node can take seconds to start on a loaded machine, and a count read before it sent sees nothing.
 * Throws unless all three datagrams left, so a check that nothing arrived never passes because nothing was sent.
 */
export async function sendUdp(ns: string, src: string, dst: string, port: number, payload: string) {
  const s = new NsProcess(ns, UDP_SEND, [src, dst, String(port), payload]);
  try {
    if (!(await eventually(async () => s.exited, 20_000, 20)))
      throw new Error(`the UDP sender in ${ns} did not finish within 20 s`);
  } finally {
    await s.stop();
  }
  const sent = s.lines.filter((l) => l === 'sent').length;
  if (sent !== 3)
    throw new Error(
      `the UDP sender in ${ns} from ${src} sent ${sent} of 3 datagrams: ${s.lines.join('; ') || 'no output'}`,
    );
}

/**
 * Sends from `ns` with a source address the instance does not own, added to its eth0 for the send and removed after.
 * The agent's periodic pass removes addresses it did not plan, so a send whose address was taken away before it
 * left (EADDRNOTAVAIL) is tried again, up to three times.
 */
export async function sendForged(ns: string, forged: string, dst: string, port: number, payload: string) {
  try {
    for (let attempt = 1; ; attempt++) {
      await inNs(ns, 'ip', ['-6', 'addr', 'replace', `${forged}/128`, 'dev', 'eth0', 'nodad']);
      try {
        return await sendUdp(ns, forged, dst, port, payload);
      } catch (e) {
        if (attempt === 3 || !String(e).includes('EADDRNOTAVAIL')) throw e;
      }
    }
  } finally {
    await inNs(ns, 'ip', ['-6', 'addr', 'del', `${forged}/128`, 'dev', 'eth0']).catch(() => {});
  }
}

/** One TCP exchange from `ns` to ADDR PORT: true when the line came back. */
export async function tcpExchange(
  ns: string,
  addr: string,
  port: number,
  timeoutMs = 3_000,
): Promise<boolean> {
  const c = new NsProcess(ns, TCP_CLIENT, [addr, String(port)]);
  try {
    if (!(await c.waitFor(/^connected$/, timeoutMs))) return false;
    c.write('hello');
    return (await c.waitFor(/^echo hello$/, timeoutMs)) !== undefined;
  } finally {
    await c.stop();
  }
}

type Json = Record<string, unknown>;

/** Fields that change with time alone: address and route lifetimes, rule counters. */
const TICKING = new Set(['valid_life_time', 'preferred_life_time', 'expires', 'packets', 'bytes']);

/** The machine's own network state, normalized (address lifetimes tick; they are not changes). */
export async function machineState(): Promise<Record<string, string>> {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o: Json = {};
      for (const [k, x] of Object.entries(v as Json)) {
        if (TICKING.has(k)) continue;
        o[k] = strip(x);
      }
      return o;
    }
    return v;
  };
  const json = async (cmd: string, args: string[]) =>
    JSON.stringify(strip(JSON.parse((await run(cmd, args)).stdout || '[]')));
  return {
    addr: await json('ip', ['-j', 'addr']),
    route4: await json('ip', ['-j', '-4', 'route']),
    route6: await json('ip', ['-j', '-6', 'route']),
    nft: await json('nft', ['-j', 'list', 'ruleset']),
    resolv: readFileSync('/etc/resolv.conf', 'utf8'),
  };
}
