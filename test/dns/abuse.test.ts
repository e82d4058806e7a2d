// Hostile messages at a running server over UDP and TCP: compression-pointer loops and chains in every section,
// oversized messages, overlong names. Each gets exactly one reply that parses, with its id and the rcode it
// deserves, and the server still answers a normal query afterwards.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeResponse, encodeQuery } from '../../src/core/dns/client-query.ts';
import { ZoneIndex } from '../../src/core/dns/zone-index.ts';
import { dnsFleet, NET_A } from '../../src/core/test-fleet.ts';
import { type DnsServer, runDns } from '../../src/dns/run-dns.ts';
import { abusivePackets } from './support/abusive.ts';

const D = dnsFleet();

function askUdp(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      sock.close();
      reject(new Error('no UDP reply in 2 s'));
    }, 2000);
    sock.once('message', (m) => {
      clearTimeout(t);
      sock.close();
      resolve(m);
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

function askTcp(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error('no TCP reply in 2 s'));
    }, 2000);
    sock.on('error', reject);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(t);
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    const framed = Buffer.alloc(2 + msg.length);
    framed.writeUInt16BE(msg.length, 0);
    msg.copy(framed, 2);
    sock.end(framed);
  });
}

describe('abusive messages', () => {
  const ac = new AbortController();
  let server: DnsServer;
  let port: number;
  before(async () => {
    const zone = new ZoneIndex();
    zone.applySnapshot(D.snapshot());
    server = await runDns({
      listen: ['127.0.0.1:0'],
      zone,
      upstreams: [],
      defaultNetwork: NET_A,
      region: 'ord',
      signal: ac.signal,
    });
    port = server.addresses[0]!.port;
  });
  after(async () => {
    ac.abort();
    await server.closed;
  });

  for (const transport of ['udp', 'tcp'] as const) {
    for (const a of abusivePackets()) {
      test(`${transport}: ${a.name} → ${a.rcode ?? 'a reply'}`, async () => {
        const reply = await (transport === 'udp' ? askUdp : askTcp)(port, a.msg);
        const d = decodeResponse(reply);
        assert.equal(d.id, a.msg.readUInt16BE(0));
        if (a.rcode) assert.equal(d.rcode, a.rcode);
      });
    }
  }

  test('still answers a normal query afterwards', async () => {
    const d = decodeResponse(await askUdp(port, encodeQuery('web.internal', 'AAAA', { id: 9 })));
    assert.equal(d.rcode, 'NOERROR');
    assert.equal(d.packet.answers?.length, 3);
  });
});
