// The server on loopback: UDP and TCP, several queries per TCP connection, idle timeout, REFUSED outside every
// network, listeners pinned to a network, metrics, and a clean shutdown.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { decodeResponse, encodeQuery } from '../core/dns/client-query.ts';
import { ZoneIndex } from '../core/dns/zone-index.ts';
import { dnsFleet, NET_A, NET_B } from '../core/test-fleet.ts';
import { dig } from './dig.ts';
import { runDns } from './run-dns.ts';

const D = dnsFleet();

function zone(): ZoneIndex {
  const z = new ZoneIndex();
  z.applySnapshot(D.snapshot());
  return z;
}

// the batched addon is built on Linux (npm run build); node:dgram is the fallback everywhere
const UDP_PATHS = process.platform === 'linux' ? (['batch', 'dgram'] as const) : (['dgram'] as const);

for (const udpIo of UDP_PATHS) {
  test(`answers over UDP (${udpIo}) and TCP, counts them, and shuts down on abort`, async () => {
    const ac = new AbortController();
    const s = await runDns({
      listen: ['127.0.0.1:0'],
      zone: zone(),
      defaultNetwork: NET_A,
      region: 'nrt',
      upstreams: [],
      signal: ac.signal,
      udpIo,
    });
    const server = `127.0.0.1:${s.addresses[0]?.port}`;
    try {
      const udp = await dig({ name: 'web.internal', server });
      assert.equal(udp.rcode, 'NOERROR');
      assert.deepEqual(udp.lines, [
        'fdaa:0:18:0:3:b000:3:2',
        'fdaa:0:18:0:1:a000:1:2',
        'fdaa:0:18:0:2:a000:2:2',
      ]);
      assert.ok(udp.flags.includes('aa'));
      const tcp = await dig({ name: 'regions.web.internal', type: 'TXT', server, tcp: true });
      assert.deepEqual(tcp.lines, ['"nrt,ord"']);
      const near = await dig({ name: 'top1.nearest.of.web.internal', server });
      assert.deepEqual(near.lines, ['fdaa:0:18:0:3:b000:3:2'], 'nearest from the server region nrt');
      assert.equal((await dig({ name: 'vault.internal', server })).rcode, 'NXDOMAIN');
      assert.equal(
        (await dig({ name: 'www.example.test', type: 'A', server })).rcode,
        'SERVFAIL',
        'no upstreams',
      );
      const text = await s.metrics.registry.metrics();
      assert.match(text, /sixpn_dns_queries_total\{qtype="AAAA",rcode="NOERROR"\} 2/);
      assert.match(text, /sixpn_dns_queries_total\{qtype="TXT",rcode="NOERROR"\} 1/);
      assert.match(text, /sixpn_dns_queries_total\{qtype="A",rcode="SERVFAIL"\} 1/);
      assert.match(text, /sixpn_dns_query_duration_seconds_count 5/);
      assert.ok(text.includes(`sixpn_dns_udp_listeners{io="${udpIo}"} 1\n`), 'the UDP path taken is shown');
    } finally {
      ac.abort();
      await s.closed;
    }
    // the port is free again
    const again = new AbortController();
    const s2 = await runDns({ listen: [server], zone: zone(), upstreams: [], signal: again.signal });
    again.abort();
    await s2.closed;
  });
}

test('REFUSED outside every network; a listener pinned to a network answers for it', async () => {
  const ac = new AbortController();
  const s = await runDns({ listen: ['127.0.0.1:0'], zone: zone(), upstreams: [], signal: ac.signal });
  try {
    const server = `127.0.0.1:${s.addresses[0]?.port}`;
    assert.equal((await dig({ name: 'web.internal', server })).rcode, 'REFUSED');
    assert.equal((await dig({ name: 'www.example.test', server })).rcode, 'REFUSED');
    const b = await s.addListener({ address: '127.0.0.1', port: 0, network: NET_B });
    assert.equal(b.network, NET_B);
    const pinned = `127.0.0.1:${b.port}`;
    assert.deepEqual((await dig({ name: 'vault.internal', server: pinned })).lines, [
      'fdaa:0:2a:0:1:f000:7:2',
    ]);
    assert.equal((await dig({ name: 'web.internal', server: pinned })).rcode, 'NXDOMAIN');
    await s.removeListener('127.0.0.1', b.port);
    assert.equal(s.addresses.length, 1);
    await assert.rejects(dig({ name: 'vault.internal', server: pinned, timeoutMs: 300 }), {
      code: 'unavailable',
    });
  } finally {
    ac.abort();
    await s.closed;
  }
});

test('TCP: several queries on one connection, answered in full, then closed when idle', async () => {
  const ac = new AbortController();
  const s = await runDns({
    listen: ['127.0.0.1:0'],
    zone: zone(),
    defaultNetwork: NET_A,
    upstreams: [],
    tcpIdleMs: 300,
    signal: ac.signal,
  });
  try {
    const sock = net.connect({ host: '127.0.0.1', port: s.addresses[0]?.port ?? 0 });
    await new Promise((r) => sock.once('connect', r));
    const names = ['web.internal', 'db.internal', '_api.internal', 'nope.internal'];
    const frames = names.map((n, i) => {
      const q = encodeQuery(n, 'AAAA', { id: 100 + i });
      const f = Buffer.alloc(q.length + 2);
      f.writeUInt16BE(q.length, 0);
      q.copy(f, 2);
      return f;
    });
    // all four in one write, the last one split across two writes
    const all = Buffer.concat(frames);
    sock.write(all.subarray(0, all.length - 5));
    sock.write(all.subarray(all.length - 5));
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
    });
    await closed; // the idle timeout closes it after the answers
    const got = replies.map((r) => decodeResponse(r));
    assert.deepEqual(
      got.map((d) => [d.id, d.rcode, d.packet.answers?.length]),
      [
        [100, 'NOERROR', 3],
        [101, 'NOERROR', 1],
        [102, 'NOERROR', 1],
        [103, 'NXDOMAIN', 0],
      ],
    );
  } finally {
    ac.abort();
    await s.closed;
  }
});
