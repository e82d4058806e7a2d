// The ICMPv6-error probe of the attack suite: a TCP flow between two instances, a raw-socket sink of ICMPv6 errors
// in one of them, and a sender of errors quoting that flow from any namespace (python3: node has no raw sockets).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { run } from '../../src/runtime/exec.ts';
import { eventually, NsProcess, TCP_ECHO } from './support.ts';

/** Python: prints `listening`, then `icmp <type> from <address>` for each ICMPv6 error (type < 128) received. */
export const ICMP_ERRORS_SINK = `
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print("listening", flush=True)
while True:
    data, addr = s.recvfrom(2048)
    if data[0] < 128:
        print("icmp %d from %s" % (data[0], addr[0]), flush=True)`;

/**
 * Python, args DST SRC SPORT ORIG_DST DPORT: sends DST three ICMPv6 "destination unreachable" errors quoting a TCP
 * segment SRC:SPORT → ORIG_DST:DPORT (conntrack relates such an error to that flow, whoever sends it).
 */
export const ICMP_ERROR_SEND = `
import socket, struct, sys
dst, osrc, sport, odst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
a = lambda x: socket.inet_pton(socket.AF_INET6, x)
inner = struct.pack("!IHBB", 6 << 28, 20, 6, 64) + a(osrc) + a(odst)
inner += struct.pack("!HHIIHHHH", sport, dport, 0, 0, 0x5010, 1000, 0, 0)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
for _ in range(3):
    s.sendto(struct.pack("!BBHI", 1, 1, 0, 0) + inner, (dst, 0))`;

/** Node: a TCP client to ADDR PORT that prints `port <its local port>` once connected and stays connected. */
export const TCP_HOLD = `
const c = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) }, () => console.log('port ' + c.localPort));
c.on('error', (e) => console.log('error ' + e.code));`;

/** A python3 program in namespace `ns` with its stdout lines collected; stop() kills it by its PID. */
export function pythonIn(ns: string, script: string, args: string[] = []) {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', script, ...args]);
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.on('data', (b: Buffer) => lines.push(`stderr ${b.toString().trim()}`));
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return {
    lines,
    stop: async () => {
      if (exited) return;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * Opens a TCP flow from `victim` to `server` (port `port`), listens for ICMPv6 errors in `victim`, and runs `f`
 * with `send(ns)`, which sends `victim` three "unreachable" errors quoting the flow from namespace `ns`, and
 * `from()`, the source addresses of the errors `victim` received so far.
 */
export async function withQuotedFlow(
  victim: { ns: string; address: string },
  server: { ns: string; address: string },
  port: number,
  f: (send: (ns: string) => Promise<void>, from: () => string[]) => Promise<void>,
): Promise<void> {
  const echo = new NsProcess(server.ns, TCP_ECHO, [String(port)]);
  const sink = pythonIn(victim.ns, ICMP_ERRORS_SINK);
  let hold: NsProcess | undefined;
  try {
    assert.ok(await echo.waitFor(/^listening$/));
    hold = new NsProcess(victim.ns, TCP_HOLD, [server.address, String(port)]);
    assert.ok(await eventually(async () => sink.lines.includes('listening'), 5_000, 20), sink.lines.join());
    const local = (await hold.waitFor(/^port \d+$/))?.split(' ')[1];
    assert.ok(local, hold.lines.join('\n'));
    const quote = [victim.address, local, server.address, String(port)];
    const send = async (ns: string) => {
      await run('ip', ['netns', 'exec', ns, 'python3', '-c', ICMP_ERROR_SEND, victim.address, ...quote]);
    };
    const from = () => sink.lines.flatMap((l) => /^icmp \d+ from (\S+)$/.exec(l)?.[1] ?? []);
    await f(send, from);
  } finally {
    await hold?.stop();
    await sink.stop();
    await echo.stop();
  }
}
