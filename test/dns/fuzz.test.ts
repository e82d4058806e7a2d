// Fuzz: 120,000 random and mutated packets over UDP (and garbage streams over TCP) at a running server. It never
// crashes, answers every message that is a query, every reply parses, and its heap stays flat.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { encodeQuery } from '../../src/core/dns/client-query.ts';
import { seededRandom } from '../../src/core/seeded-random.ts';
import { dnsFleet, NET_A } from '../../src/core/test-fleet.ts';
import { freePort } from '../support/child-process.ts';
import { type Child, startChild } from './support/child.ts';
import { corpus, expectsReply, packet } from './support/mutate.ts';

const D = dnsFleet();

const WARMUP = 20_000;
const PACKETS = 120_000;
const WINDOW = 64;

describe('fuzz', () => {
  let server: Child;
  let port: number;
  before(async () => {
    const dead = await freePort();
    const started = await startChild(
      'node',
      ['--expose-gc', '--import', 'tsx', 'test/dns/support/serve.ts'],
      {
        ready: /^READY /,
        input: JSON.stringify({
          snapshot: D.snapshot(),
          listen: ['127.0.0.1:0'],
          // a dead upstream: forwarded names fail fast (ICMP) and get SERVFAIL
          upstreams: [`127.0.0.1:${dead}`],
          defaultNetwork: NET_A,
          region: 'ord',
        }),
      },
    );
    server = started.child;
    port = (JSON.parse(started.line.slice(6)) as { port: number }[])[0]!.port;
  });
  after(() => server.stop());

  async function memory(): Promise<{ heapUsed: number; rss: number }> {
    const line = server.nextLine(/^MEM /);
    server.proc.kill('SIGUSR2');
    return JSON.parse((await line).slice(4)) as { heapUsed: number; rss: number };
  }

  /** Sends `count` packets, at most WINDOW unanswered at a time; checks every reply. */
  async function blast(
    count: number,
    rand: () => number,
    seeds: Buffer[],
  ): Promise<{ expected: number; got: number }> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    let got = 0;
    let expected = 0;
    const bad: string[] = [];
    let wake: (() => void) | undefined;
    sock.on('message', (m) => {
      got++;
      try {
        const d = dnsPacket.decode(m);
        if (!(m[2]! & 0x80)) bad.push(`QR not set: ${m.toString('hex')}`);
        void d;
      } catch (e) {
        bad.push(`${(e as Error).message}: ${m.toString('hex')}`);
      }
      if (wake && expected - got < WINDOW / 2) wake();
    });
    for (let i = 0; i < count; i++) {
      const p = packet(rand, seeds);
      if (expectsReply(p)) expected++;
      sock.send(p, port, '127.0.0.1');
      if (expected - got >= WINDOW) {
        const moved = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 3000);
          wake = () => {
            clearTimeout(t);
            resolve(true);
          };
        });
        wake = undefined;
        if (!moved) break;
      }
    }
    const end = Date.now() + 3000;
    while (got < expected && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    sock.close();
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} bad replies`);
    return { expected, got };
  }

  test(`${PACKETS} random and mutated UDP packets: no crash, every query answered with a valid reply, flat heap`, async (t) => {
    const rand = seededRandom(20250101);
    const seeds = corpus(rand);
    await blast(WARMUP, rand, seeds);
    const before = await memory();
    const { expected, got } = await blast(PACKETS, rand, seeds);
    assert.ok(!server.exited(), `server exited: ${server.stderr()}`);
    assert.ok(expected > PACKETS * 0.6, `only ${expected} of ${PACKETS} packets were queries`);
    assert.equal(got, expected, 'every query got exactly one reply');
    const afterMem = await memory();
    const heapGrowth = afterMem.heapUsed - before.heapUsed;
    const rssGrowth = afterMem.rss - before.rss;
    t.diagnostic(
      `${expected} queries answered of ${PACKETS} packets; heap ${before.heapUsed} → ${afterMem.heapUsed}, RSS ${before.rss} → ${afterMem.rss}`,
    );
    assert.ok(heapGrowth < 4 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
    assert.ok(rssGrowth < 48 * 1024 * 1024, `RSS grew by ${rssGrowth} bytes`);
    // the server still answers correctly afterwards
    const check = dgram.createSocket('udp4');
    const reply = await new Promise<Buffer>((resolve) => {
      check.once('message', resolve);
      check.send(encodeQuery('web.internal', 'AAAA', { id: 5 }), port, '127.0.0.1');
    });
    check.close();
    assert.equal(dnsPacket.decode(reply).answers?.length, 3);
  });

  test('garbage over TCP: the server closes or answers, never crashes', async (t) => {
    const rand = seededRandom(7);
    const seeds = corpus(rand);
    const bad: string[] = [];
    let replies = 0;
    for (let c = 0; c < 200; c++) {
      await new Promise<void>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        let buf = Buffer.alloc(0);
        sock.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
            buf = buf.subarray(2 + m.length);
            replies++;
            try {
              dnsPacket.decode(m);
            } catch (e) {
              bad.push((e as Error).message);
            }
          }
        });
        sock.on('error', () => resolve());
        sock.on('close', () => resolve());
        sock.on('connect', () => {
          const frames: Buffer[] = [];
          for (let i = 0; i < 5; i++) {
            const p = packet(rand, seeds);
            const f = Buffer.alloc(2 + p.length);
            f.writeUInt16BE(rand() < 0.9 ? p.length : Math.floor(rand() * 65536), 0);
            p.copy(f, 2);
            frames.push(f);
          }
          sock.end(Buffer.concat(frames));
          setTimeout(() => sock.destroy(), 500);
        });
      });
    }
    t.diagnostic(`${replies} TCP replies`);
    assert.deepEqual(bad, []);
    assert.ok(replies > 200, `only ${replies} TCP replies`);
    assert.ok(!server.exited(), `server exited: ${server.stderr()}`);
  });
});
