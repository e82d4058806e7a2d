// Benchmark helper, run inside one instance namespace of the lab (`ip netns exec sixpn-i-<id> node --import tsx
// bench/lab/probe.ts NAME [EVERY_MS]`): waits for expectations on stdin and reports, with wall-clock times, when this host's
// DNS (fdaa::3) first gave the expected answer for NAME and when the address first answered TCP (a RST from a
// closed port counts: the packet got there and back).
//
// TCP: a new attempt every 5 × EVERY_MS for the first second, then every 100 ms, each left open 250 ms. While a
// WireGuard handshake is pending, the host queues the SYNs (up to 128 per peer) and sends them in one burst when it
// completes; an attempt every 10 ms from every host made those bursts big enough to overflow a joining host's
// wireguard-go socket buffer (UDP RcvbufErrors), and a handshake message lost there costs REKEY_TIMEOUT (5 s). A
// queued SYN still reaches an open attempt the moment the handshake completes, so this sees it as soon as before;
// only a SYN dropped outright (no route yet) after the first second waits up to 100 ms for the next attempt.
//
// stdin: `<seq> present <address>` or `<seq> absent`; stdout: {"seq","dnsAt","connAt"} per line (connAt only
// for `present`). Between expectations it sends nothing.

import dgram from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { decodeResponse, encodeQuery } from '../../src/core/dns/client-query.ts';

const name = process.argv[2] ?? 'target.internal';
const EVERY_MS = Number(process.argv[3] ?? 2);
const wall = () => performance.timeOrigin + performance.now();
const sock = dgram.createSocket('udp6');
await new Promise<void>((r) => sock.bind(0, () => r()));
let qid = 0;
let onAnswer: ((addrs: string[]) => void) | undefined;
sock.on('message', (m) => {
  try {
    const r = decodeResponse(m);
    const addrs = (r.packet.answers ?? [])
      .filter((a) => a.type === 'AAAA')
      .map((a) => String((a as { data?: unknown }).data));
    onAnswer?.(addrs);
  } catch {
    // not ours
  }
});

function ask(): void {
  sock.send(encodeQuery(name, 'AAAA', { id: ++qid & 0xffff }), 53, 'fdaa::3');
}

function waitDns(want: (addrs: string[]) => boolean): Promise<number> {
  return new Promise((resolve) => {
    const t = setInterval(ask, EVERY_MS);
    onAnswer = (addrs) => {
      if (!want(addrs)) return;
      clearInterval(t);
      onAnswer = undefined;
      resolve(wall());
    };
    ask();
  });
}

const FAST_FOR_MS = 1_000;
const SLOW_EVERY_MS = 100;
const ATTEMPT_OPEN_MS = 250;

/** When `address` first answers TCP on port 9 (a connection or a refusal); overlapping attempts, see above. */
function waitConn(address: string): Promise<number> {
  const t0 = wall();
  const open = new Set<Socket>();
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  return new Promise((resolve) => {
    const finish = () => {
      if (done) return;
      done = true;
      resolve(wall());
      clearTimeout(timer);
      for (const c of open) c.destroy();
      open.clear();
    };
    const attempt = () => {
      const c = connect({ host: address, port: 9 });
      open.add(c);
      const end = () => {
        open.delete(c);
        c.destroy();
      };
      c.setTimeout(ATTEMPT_OPEN_MS, end);
      c.once('connect', finish);
      c.once('error', (e: NodeJS.ErrnoException) => {
        end();
        if (e.code === 'ECONNREFUSED') finish();
      });
      timer = setTimeout(attempt, wall() - t0 < FAST_FOR_MS ? EVERY_MS * 5 : SLOW_EVERY_MS);
    };
    attempt();
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const [seq, what, address] = line.trim().split(/\s+/);
  if (what === 'present' && address) {
    const [dnsAt, connAt] = await Promise.all([waitDns((a) => a.includes(address)), waitConn(address)]);
    process.stdout.write(`${JSON.stringify({ seq: Number(seq), dnsAt, connAt })}\n`);
  } else if (what === 'absent') {
    const dnsAt = await waitDns((a) => a.length === 0);
    process.stdout.write(`${JSON.stringify({ seq: Number(seq), dnsAt })}\n`);
  }
}
sock.close();
