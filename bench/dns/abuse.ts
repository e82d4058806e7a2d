// DNS abuse benchmark (prints figures; not a test): a server in its own process takes 1,000,000 mutated packets,
// every hand-made hostile message (pointer loops, oversized) many times over UDP and TCP, thousands of idle TCP
// connections while UDP latency is measured, and slow-trickling TCP connections. Prints replies checked,
// malformed replies, how many connections the server kept and when it closed them, and RSS/heap before/after.
//
//   node --import tsx bench/dns/abuse.ts [--packets 1000000] [--idle-conns 2000] [--idle-ms 5000] [--udp-io dgram]

import dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { encodeQuery } from '../../src/core/dns/client-query.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';
import { dnsFleet, NET_A } from '../../src/core/test-fleet.ts';
import { abusivePackets } from '../../test/dns/support/abusive.ts';
import { type Child, startChild } from '../../test/dns/support/child.ts';
import { corpus, expectsReply, packet } from '../../test/dns/support/mutate.ts';
import { freePort } from '../../test/support/child-process.ts';

const D = dnsFleet();

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '1000000' },
    'idle-conns': { type: 'string', default: '2000' },
    'idle-ms': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '424242' },
    // `dgram`: the server on node:dgram instead of its batched UDP addon (for comparing)
    'udp-io': { type: 'string', default: 'auto' },
  },
});
const PACKETS = Number(values.packets);
const IDLE_CONNS = Number(values['idle-conns']);
const IDLE_MS = Number(values['idle-ms']);
const WINDOW = 64;
const MB = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

interface Mem {
  heapUsed: number;
  rss: number;
}

async function memory(server: Child): Promise<Mem> {
  const line = server.nextLine(/^MEM /);
  server.proc.kill('SIGUSR2');
  return JSON.parse((await line).slice(4)) as Mem;
}

const checkReply = (m: Buffer, bad: string[]) => {
  try {
    dnsPacket.decode(m);
    if (!(m[2]! & 0x80)) bad.push(`QR not set: ${m.subarray(0, 64).toString('hex')}`);
  } catch (e) {
    bad.push(`${(e as Error).message}: ${m.subarray(0, 64).toString('hex')}`);
  }
};

/** Sends packets from `next()` over UDP, at most WINDOW unanswered; checks every reply. */
async function blast(port: number, count: number, next: (i: number) => Buffer) {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let got = 0;
  let expected = 0;
  let stalls = 0;
  const bad: string[] = [];
  let wake: (() => void) | undefined;
  sock.on('message', (m) => {
    got++;
    checkReply(m, bad);
    if (wake && expected - got < WINDOW / 2) wake();
  });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const p = next(i);
    if (expectsReply(p)) expected++;
    sock.send(p, port, '127.0.0.1');
    if (expected - got >= WINDOW) {
      const moved = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 1000);
        wake = () => {
          clearTimeout(t);
          resolve(true);
        };
      });
      wake = undefined;
      // A lost datagram (socket buffer full) must not stop the run: count it and go on.
      if (!moved) {
        stalls++;
        got = expected;
      }
    }
  }
  const end = Date.now() + 3000;
  while (got < expected && Date.now() < end) await sleep(20);
  const seconds = (performance.now() - t0) / 1000;
  sock.close();
  return { expected, got, bad, stalls, seconds };
}

/** One framed TCP exchange on a fresh connection: the reply, or undefined when closed first or after 2 s. */
function tcpOnce(port: number, msg: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => done(undefined), 2000);
    const done = (b: Buffer | undefined) => {
      clearTimeout(t);
      sock.destroy();
      resolve(b);
    };
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    const f = Buffer.alloc(2 + msg.length);
    f.writeUInt16BE(msg.length, 0);
    msg.copy(f, 2);
    sock.end(f);
  });
}

/** UDP queries one after another (4 in flight) for `ms`: per-query latency and how many went unanswered. */
async function udpProbe(port: number, ms: number) {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const lat: number[] = [];
  let sent = 0;
  let lost = 0;
  const pending = new Map<number, (m: Buffer) => void>();
  sock.on('message', (m) => pending.get(m.readUInt16BE(0))?.(m));
  const stop = Date.now() + ms;
  let id = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < stop) {
        const qid = ++id & 0xffff;
        sent++;
        const t0 = performance.now();
        const ok = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 1000);
          pending.set(qid, (m) => {
            clearTimeout(t);
            resolve(dnsPacket.decode(m).answers?.length === 3);
          });
          sock.send(encodeQuery('web.internal', 'AAAA', { id: qid }), port, '127.0.0.1');
        });
        pending.delete(qid);
        if (ok) lat.push(performance.now() - t0);
        else lost++;
      }
    }),
  );
  sock.close();
  return { sent, lost, p50: pct(lat, 50), p99: pct(lat, 99), max: pct(lat, 100) };
}

/**
 * Opens `n` TCP connections that never send; records when each closes, counted from its connect. Waits at most
 * 3 s for the handshakes (a burst overflows the listen backlog; the kernel retries those SYNs later).
 */
async function idleConnections(port: number, n: number) {
  const conns: { sock: net.Socket; opened: number; closedAfter?: number }[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const sock = net.connect({ host: '127.0.0.1', port });
          const c: (typeof conns)[number] = { sock, opened: 0 };
          conns.push(c);
          setTimeout(resolve, 3000);
          sock.on('connect', () => {
            c.opened = performance.now();
            resolve();
          });
          sock.on('error', () => resolve());
          sock.on('close', () => {
            c.closedAfter = performance.now() - c.opened;
            resolve();
          });
        }),
    ),
  );
  return conns;
}

const dead = await freePort();
const { child: server, line } = await startChild(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', 'test/dns/support/serve.ts'],
  {
    ready: /^READY /,
    input: JSON.stringify({
      snapshot: D.snapshot(),
      listen: ['127.0.0.1:0'],
      upstreams: [`127.0.0.1:${dead}`], // dead: forwarded names fail fast (ICMP) and get SERVFAIL
      defaultNetwork: NET_A,
      region: 'ord',
      tcpIdleMs: IDLE_MS,
      udpIo: values['udp-io'] === 'dgram' ? 'dgram' : 'auto',
    }),
  },
);
const port = (JSON.parse(line.slice(6)) as { port: number }[])[0]!.port;
try {
  const rand = seededRandom(Number(values.seed));
  const seeds = corpus(rand);
  await blast(port, 20_000, () => packet(rand, seeds));
  const m0 = await memory(server);
  console.log(`server up on 127.0.0.1:${port}, TCP idle timeout ${IDLE_MS} ms`);
  console.log(`memory after warm-up: RSS ${MB(m0.rss)}, heap ${MB(m0.heapUsed)}`);

  // 1. mutated packets
  const fz = await blast(port, PACKETS, () => packet(rand, seeds));
  const m1 = await memory(server);
  console.log(
    `mutated UDP: ${PACKETS} packets in ${fz.seconds.toFixed(1)} s (${(PACKETS / fz.seconds).toFixed(0)}/s); ` +
      `${fz.expected} were queries, ${fz.got} replies, ${fz.stalls} windows stalled (lost datagrams), ` +
      `${fz.bad.length} malformed replies${fz.bad.length ? ` e.g. ${fz.bad[0]}` : ''}`,
  );
  console.log(`  memory: RSS ${MB(m0.rss)} → ${MB(m1.rss)}, heap ${MB(m0.heapUsed)} → ${MB(m1.heapUsed)}`);

  // 2. hand-made hostile messages, 3 × (2,000 rounds over UDP and 20 over TCP): RSS must settle, not climb
  const hostile = abusivePackets();
  let m2 = m1;
  for (let round = 1; round <= 3; round++) {
    const hu = await blast(port, hostile.length * 2000, (i) => hostile[i % hostile.length]!.msg);
    const tcpBad: string[] = [];
    let tcpReplies = 0;
    for (let r = 0; r < 20; r++)
      for (const h of hostile) {
        const reply = await tcpOnce(port, h.msg);
        if (reply) {
          tcpReplies++;
          checkReply(reply, tcpBad);
        }
      }
    const m = await memory(server);
    console.log(
      `hostile round ${round} (${hostile.length} kinds: pointer loops/chains, oversized 65,507-byte, overlong names): ` +
        `UDP ${hu.expected} sent, ${hu.got} replies, ${hu.bad.length} malformed; ` +
        `TCP ${hostile.length * 20} sent, ${tcpReplies} replies, ${tcpBad.length} malformed`,
    );
    console.log(`  memory: RSS ${MB(m2.rss)} → ${MB(m.rss)}, heap ${MB(m2.heapUsed)} → ${MB(m.heapUsed)}`);
    m2 = m;
  }

  // 3. idle TCP connections while UDP is measured
  const base = await udpProbe(port, 2000);
  const t0 = performance.now();
  const conns = await idleConnections(port, IDLE_CONNS);
  const openedIn = performance.now() - t0;
  await sleep(500);
  const heldEarly = conns.filter((c) => c.closedAfter === undefined).length;
  // What the server process really holds: its open file descriptors (sockets) minus those it had before.
  const fds = () => readdirSync(`/proc/${server.proc.pid}/fd`).length;
  const serverFds = fds();
  const fresh = await tcpOnce(port, encodeQuery('web.internal', 'AAAA', { id: 77 }));
  const mHeld = await memory(server);
  const during = await udpProbe(port, Math.max(1000, IDLE_MS - 2000));
  await sleep(IDLE_MS + 2000);
  const stillOpen = conns.filter((c) => c.closedAfter === undefined).length;
  // Stragglers: handshakes the kernel's accept queue dropped are retried; wait (≤ 15 s) until every one closed.
  const waitEnd = Date.now() + 15_000;
  while (conns.some((c) => c.closedAfter === undefined) && Date.now() < waitEnd) await sleep(250);
  const lastClose = Math.max(...conns.map((c) => c.closedAfter ?? 0));
  const ghosts = conns.filter((c) => c.closedAfter === undefined).length;
  const fdsAfter = fds();
  const kept = conns
    .filter((c) => c.closedAfter !== undefined && c.closedAfter > 1000)
    .map((c) => c.closedAfter!);
  for (const c of conns) c.sock.destroy();
  const m3 = await memory(server);
  console.log(
    `idle TCP: ${IDLE_CONNS} connections opened in ${openedIn.toFixed(0)} ms; ${heldEarly} of them ` +
      `open on the client side after 500 ms; server file descriptors ${serverFds} while held, ${fdsAfter} after ` +
      `(cap 1024 connections; a new one evicts the longest idle); a new TCP query right then: ${fresh ? 'answered' : 'refused'}`,
  );
  console.log(
    `  kept ones closed by the idle timeout after p50 ${pct(kept, 50).toFixed(0)} ms, max ${pct(kept, 100).toFixed(0)} ms; ` +
      `${stillOpen} still open on the client side ${IDLE_MS + 2000} ms later, ${ghosts} after 15 s more ` +
      `(handshakes dropped by the kernel's full accept queue: the server never had them); the last one closed ` +
      `${(lastClose / 1000).toFixed(1)} s after its connect`,
  );
  console.log(
    `  UDP web.internal before: ${base.sent} queries, ${base.lost} lost, p50 ${base.p50.toFixed(3)} ms, p99 ${base.p99.toFixed(3)} ms; ` +
      `while held: ${during.sent} queries, ${during.lost} lost, p50 ${during.p50.toFixed(3)} ms, p99 ${during.p99.toFixed(3)} ms`,
  );
  console.log(
    `  memory: RSS ${MB(m2.rss)} → ${MB(mHeld.rss)} while held → ${MB(m3.rss)} after; heap ${MB(m2.heapUsed)} → ${MB(mHeld.heapUsed)} → ${MB(m3.heapUsed)}`,
  );

  // 4. slow trickle: a frame announcing 65,535 bytes, then one byte of it every IDLE_MS/2 — does anything close it?
  const trick = await idleConnections(port, 20);
  for (const c of trick) c.sock.write(Buffer.from([0xff, 0xff]));
  const trickStart = performance.now();
  const timer = setInterval(() => {
    for (const c of trick) if (c.closedAfter === undefined) c.sock.write(Buffer.from([0]));
  }, IDLE_MS / 2);
  await sleep(IDLE_MS * 3);
  clearInterval(timer);
  const trickOpen = trick.filter((c) => c.closedAfter === undefined).length;
  for (const c of trick) c.sock.destroy();
  console.log(
    `slow trickle: 20 connections announcing a 65,535-byte frame then sending 1 byte of it every ${IDLE_MS / 2} ms: ${trickOpen} still open after ` +
      `${((performance.now() - trickStart) / 1000).toFixed(1)} s (${3 * IDLE_MS} ms = 3 idle timeouts)`,
  );

  const mEnd = await memory(server);
  console.log(
    `server ${server.exited() ? 'EXITED' : 'alive'}; memory start → end: RSS ${MB(m0.rss)} → ${MB(mEnd.rss)}, ` +
      `heap ${MB(m0.heapUsed)} → ${MB(mEnd.heapUsed)}`,
  );
} finally {
  await server.stop();
}
