// Benchmark helper, run inside one instance namespace of a lab (`ip netns exec sixpn-i-<id> node --import tsx
// bench/lab/reach.ts [EVERY_MS]`): waits for expectations on stdin and reports, with wall-clock times, when this
// host's DNS (fdaa::3) and a TCP connection first met them. Between expectations it sends nothing.
//
// stdin, one per line:
//   `<seq> open NAME PORT`  NAME's AAAA answer has an address and a TCP connection to it on PORT succeeds
//                           (a refusal does not count: something must listen there)
//   `<seq> gone NAME ADDR`  NAME's AAAA answer no longer holds ADDR
//   `<seq> back NAME ADDR`  NAME's AAAA answer holds ADDR
// stdout: {"seq","dnsAt","connAt"?,"address"?} per expectation.

import dgram from 'node:dgram';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { decodeResponse, encodeQuery } from '../../src/core/dns/client-query.ts';

const EVERY_MS = Number(process.argv[2] ?? 2);
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

/** Asks NAME every EVERY_MS until an answer satisfies `want`; resolves with its time and addresses. */
function waitDns(name: string, want: (addrs: string[]) => boolean): Promise<{ at: number; addrs: string[] }> {
  const ask = () => sock.send(encodeQuery(name, 'AAAA', { id: ++qid & 0xffff }), 53, 'fdaa::3');
  return new Promise((resolve) => {
    const t = setInterval(ask, EVERY_MS);
    onAnswer = (addrs) => {
      if (!want(addrs)) return;
      clearInterval(t);
      onAnswer = undefined;
      resolve({ at: wall(), addrs });
    };
    ask();
  });
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host, port });
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.setTimeout(Math.max(50, EVERY_MS * 5), () => done(false));
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

async function waitOpen(host: string, port: number): Promise<number> {
  for (;;) {
    if (await tryConnect(host, port)) return wall();
    await new Promise((r) => setTimeout(r, EVERY_MS));
  }
}

const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const [seq, what, name, arg] = line.trim().split(/\s+/);
  if (!name || !arg) continue;
  if (what === 'open') {
    const dns = await waitDns(name, (a) => a.length > 0);
    const address = dns.addrs[0] ?? '';
    out({ seq: Number(seq), dnsAt: dns.at, connAt: await waitOpen(address, Number(arg)), address });
  } else if (what === 'gone') {
    out({ seq: Number(seq), dnsAt: (await waitDns(name, (a) => !a.includes(arg))).at });
  } else if (what === 'back') {
    out({ seq: Number(seq), dnsAt: (await waitDns(name, (a) => a.includes(arg))).at });
  }
}
sock.close();
