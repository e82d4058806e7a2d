// Recursion against a real unbound: answers passed through intact (id rewritten back), TCP retry on a truncated
// UDP answer, failover past a dead or silent upstream, SERVFAIL when all fail, serve-stale while all are down.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeResponse, encodeQuery } from '../../src/core/dns/client-query.ts';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import { dnsFleet, NET_A } from '../../src/core/test-fleet.ts';
import { dig } from '../../src/dns/dig.ts';
import { type RunDnsOptions, runDns } from '../../src/dns/run-dns.ts';
import { exchangeTcp, exchangeUdp } from '../../src/dns/upstream-client.ts';
import { cannotRun } from '../runtime/support.ts';
import { freePort } from '../support/child-process.ts';
import { BIG_COUNT, startUnbound, type Unbound, WWW_A, WWW_AAAA } from './support/unbound.ts';

const D = dnsFleet();

const skip = cannotRun(['unbound']);

async function withServer(
  opts: Partial<RunDnsOptions>,
  body: (server: string, s: Awaited<ReturnType<typeof runDns>>) => Promise<void>,
): Promise<void> {
  const zone = new ZoneIndex();
  zone.applySnapshot(D.snapshot());
  const ac = new AbortController();
  const s = await runDns({
    listen: ['127.0.0.1:0'],
    zone,
    defaultNetwork: NET_A,
    signal: ac.signal,
    upstreamTimeoutMs: 400,
    ...opts,
  });
  try {
    await body(`127.0.0.1:${s.addresses[0]?.port}`, s);
  } finally {
    ac.abort();
    await s.closed;
  }
}

const hp = (port: number) => ({ host: '127.0.0.1', port, family: 4 as const });
const never = new AbortController().signal;

describe('recursion', { skip }, () => {
  let unbound: Unbound;
  let deadPort: number;
  let silent: dgram.Socket;
  let silentPort: number;
  before(async () => {
    unbound = await startUnbound({ port: await freePort() });
    deadPort = await freePort();
    // a "resolver" that reads queries and never answers
    silent = dgram.createSocket('udp4');
    silentPort = await new Promise<number>((r) =>
      silent.bind(0, '127.0.0.1', () => r(silent.address().port)),
    );
  });
  after(async () => {
    silent.close();
    await unbound.stop();
  });

  test('other names are forwarded and answered intact, only the id rewritten', async () => {
    await withServer({ upstreams: [unbound.upstream] }, async (server) => {
      assert.deepEqual((await dig({ name: 'www.example.test', type: 'A', server })).lines, [WWW_A]);
      assert.deepEqual((await dig({ name: 'www.example.test', type: 'AAAA', server })).lines, [WWW_AAAA]);
      const nx = await dig({ name: 'nope.example.test', type: 'A', server });
      assert.equal(nx.rcode, 'NXDOMAIN');
      // byte for byte: what unbound says to us is what we say to the client
      const q = encodeQuery('www.example.test', 'AAAA', { id: 0x4242, udpSize: 1232 });
      const port = Number(server.split(':')[1]);
      const direct = await exchangeUdp(hp(unbound.port), q, 2000, never);
      const via = await exchangeUdp(hp(port), q, 2000, never);
      assert.equal(via.readUInt16BE(0), 0x4242);
      assert.equal(via.toString('hex'), direct.toString('hex'));
    });
  });

  test('a truncated UDP answer is fetched again over TCP', async () => {
    await withServer({ upstreams: [unbound.upstream] }, async (server) => {
      const port = Number(server.split(':')[1]);
      // no EDNS: unbound truncates at 512 bytes; asked over TCP we return all records
      const q = encodeQuery('big.example.test', 'AAAA', { id: 7 });
      const overTcp = decodeResponse(await exchangeTcp(hp(port), q, 3000, never));
      assert.equal(overTcp.packet.answers?.length, BIG_COUNT);
      assert.ok(!overTcp.flags.has('tc'));
      // over UDP the client gets TC (its limit is 512) and dig-style retry over TCP gets everything
      const overUdp = decodeResponse(await exchangeUdp(hp(port), q, 3000, never));
      assert.ok(overUdp.flags.has('tc'));
      assert.equal((await dig({ name: 'big.example.test', server })).lines.length, BIG_COUNT);
    });
  });

  test('TCP: a client that half-closes after its query still gets the forwarded answer', async () => {
    await withServer({ upstreams: [unbound.upstream] }, async (server) => {
      const port = Number(server.split(':')[1]);
      const q = encodeQuery('www.example.test', 'A', { id: 31 });
      const framed = Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
      const got = await new Promise<Buffer>((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port }, () => sock.end(framed));
        const chunks: Buffer[] = [];
        sock.on('data', (d) => chunks.push(d));
        sock.on('error', reject);
        sock.on('close', () => resolve(Buffer.concat(chunks)));
      });
      const reply = decodeResponse(got.subarray(2));
      assert.equal(reply.id, 31);
      assert.equal(reply.packet.answers?.[0]?.type === 'A' && reply.packet.answers[0].data, WWW_A);
    });
  });

  test('fails over past a dead and a silent upstream, counting the errors', async () => {
    const upstreams = [`127.0.0.1:${deadPort}`, `127.0.0.1:${silentPort}`, unbound.upstream];
    await withServer({ upstreams }, async (server, s) => {
      const t0 = Date.now();
      assert.deepEqual((await dig({ name: 'www.example.test', type: 'A', server })).lines, [WWW_A]);
      assert.ok(Date.now() - t0 >= 350, 'waited for the silent upstream to time out');
      // failed upstreams go to the back of the line: the next query is answered at once
      const t1 = Date.now();
      assert.deepEqual((await dig({ name: 'www.example.test', type: 'AAAA', server })).lines, [WWW_AAAA]);
      assert.ok(Date.now() - t1 < 300, `second query took ${Date.now() - t1} ms`);
      const m = await s.metrics.registry.metrics();
      assert.match(
        m,
        new RegExp(
          `sixpn_dns_upstream_errors_total\\{upstream="127.0.0.1:${deadPort}",reason="network"\\} 1`,
        ),
      );
      assert.match(
        m,
        new RegExp(
          `sixpn_dns_upstream_errors_total\\{upstream="127.0.0.1:${silentPort}",reason="timeout"\\} 1`,
        ),
      );
    });
  });

  test('SERVFAIL when every upstream fails', async () => {
    await withServer({ upstreams: [`127.0.0.1:${deadPort}`, `127.0.0.1:${silentPort}`] }, async (server) => {
      const r = await dig({ name: 'www.example.test', type: 'A', server });
      assert.equal(r.rcode, 'SERVFAIL');
      // .internal keeps answering without any upstream
      assert.equal((await dig({ name: 'web.internal', server })).lines.length, 3);
    });
  });

  test('serves stale answers (TTL 30) for a bounded time while every upstream is down', async () => {
    const own = await startUnbound({ port: await freePort() });
    let stopped = false;
    let now = 1_000_000;
    try {
      await withServer(
        { upstreams: [own.upstream], now: () => now, staleMaxSeconds: 60 },
        async (server, s) => {
          assert.deepEqual((await dig({ name: 'short.example.test', type: 'A', server })).lines, [
            '192.0.2.11',
          ]);
          await own.stop();
          stopped = true;
          now += 10_000; // the 1 s TTL has run out
          const port = Number(server.split(':')[1]);
          const stale = decodeResponse(
            await exchangeUdp(hp(port), encodeQuery('short.example.test', 'A', { id: 99 }), 3000, never),
          );
          assert.equal(stale.rcode, 'NOERROR');
          assert.equal(stale.id, 99);
          const a = stale.packet.answers?.[0];
          assert.ok(a?.type === 'A' && a.data === '192.0.2.11' && a.ttl === 30);
          assert.match(await s.metrics.registry.metrics(), /sixpn_dns_stale_answers_total 1/);
          now += 60_000; // past TTL + the 60 s window
          assert.equal((await dig({ name: 'short.example.test', type: 'A', server })).rcode, 'SERVFAIL');
          // never asked before: nothing stale to give
          assert.equal((await dig({ name: 'www.example.test', type: 'A', server })).rcode, 'SERVFAIL');
        },
      );
    } finally {
      if (!stopped) await own.stop();
    }
  });
});
