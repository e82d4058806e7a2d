// Benchmark helper, run inside one instance namespace of the lab (`ip netns exec sixpn-i-<id> node --import tsx
// bench/lab/probe.ts NAME [EVERY_MS]`): waits for expectations on stdin and reports, with wall-clock times, when this host's
// DNS (fdaa::3) first gave the expected answer for NAME and when the address first answered TCP (a RST from a
// closed port counts: the packet got there and back).
//
// stdin: `<seq> present <address>` or `<seq> absent`; stdout: {"seq","dnsAt","connAt"} per line (connAt only
// for `present`). Between expectations it sends nothing.

import dgram from 'node:dgram';
import { connect } from 'node:net';
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

function tryConnect(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: address, port: 9 });
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.setTimeout(EVERY_MS * 5, () => done(false));
    c.once('connect', () => done(true));
    c.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'));
  });
}

async function waitConn(address: string): Promise<number> {
  for (;;) {
    if (await tryConnect(address)) return wall();
    await new Promise((r) => setTimeout(r, EVERY_MS));
  }
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
