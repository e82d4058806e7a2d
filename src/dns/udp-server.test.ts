// Both UDP paths over real loopback sockets: the batched addon (native/udp-batch) and node:dgram. IPv4 and
// IPv6, two SO_REUSEPORT listeners on one port, an oversized datagram, a burst of many batches, answers given
// later (async) or during the call, close while traffic flows, bind errors, and worker-thread termination.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { silentLogger } from '../lib/log.ts';
import type { Later } from './handler.ts';
import { decodeSockaddr } from './sockaddr.ts';
import { listenUdpBatch, loadUdpBatch, loadUdpBatchFrom, type UdpBatchModule } from './udp-batch.ts';
import { type DatagramHandler, listenUdp, type SourceNet, type UdpIo } from './udp-server.ts';

const native = loadUdpBatch();
// On Linux the addon is part of the build: its absence is a failure, not a skip.
const onLinux = process.platform === 'linux';
const addon = (): UdpBatchModule => {
  assert.ok(typeof native !== 'string', `the batched UDP addon: ${native}`);
  return native;
};

/** A batched listener on 127.0.0.1 (any port) with this receive buffer, closed after `use`. */
async function withBatchListener(
  recvBufferSize: number,
  use: (l: ReturnType<typeof listenUdpBatch>) => Promise<void>,
): Promise<void> {
  const hp = { host: '127.0.0.1', port: 0, family: 4 as const };
  const l = listenUdpBatch(addon(), hp, handler, nets, silentLogger, { reusePort: false, recvBufferSize });
  try {
    await use(l);
  } finally {
    await l.close();
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sources: 7 for IPv6, 4 for IPv4 (records what the handler saw). */
const nets: SourceNet = {
  of: (a) => (a.includes(':') && !a.startsWith('::ffff:') ? 7 : 4),
  ofSockaddr: (b, off) => (decodeSockaddr(b, off)?.family === 6 ? 7 : 4),
};

/**
 * `ok:<text>` is answered now with `<net>:<text>`; `later:<text>` after 20 ms; `sync:<text>` through `later`
 * before returning; `none` gets no answer; anything else is answered with its length.
 */
const handler: DatagramHandler = <C>(msg: Buffer, net: number, ctx: C, later: Later<C>) => {
  const text = msg.toString('latin1');
  if (text.startsWith('ok:')) return Buffer.from(`${net}:${text.slice(3)}`);
  if (text.startsWith('later:')) {
    const copy = Buffer.from(text);
    setTimeout(() => later(copy, ctx), 20);
    return undefined;
  }
  if (text.startsWith('sync:')) {
    later(Buffer.from(text), ctx);
    return undefined;
  }
  if (text === 'none') return null;
  return Buffer.from(`len:${msg.length}`);
};

/**
 * Sends the messages from one client socket in waves of 150 (what a default 208 KiB receive buffer holds of
 * the answers) and collects the answers until `want` arrived or `waitMs` passed (per wave).
 */
async function ask(
  port: number,
  family: 4 | 6,
  msgs: (string | Buffer)[],
  want = msgs.length,
  waitMs = 2000,
): Promise<string[]> {
  const c = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: 1 << 20 });
  const got: string[] = [];
  c.on('message', (m) => got.push(m.toString('latin1')));
  await new Promise<void>((r) => c.bind(0, family === 6 ? '::1' : '127.0.0.1', r));
  for (let i = 0; i < msgs.length; i += 150) {
    for (const m of msgs.slice(i, i + 150)) c.send(m, port, family === 6 ? '::1' : '127.0.0.1');
    const wave = Math.min(want, i + 150);
    for (let t = 0; t < waitMs / 10 && got.length < wave; t++) await sleep(10);
  }
  c.close();
  return got;
}

const paths: UdpIo[] = onLinux ? ['batch', 'dgram'] : ['dgram'];

for (const io of paths) {
  for (const family of [4, 6] as const) {
    test(`${io}, IPv${family}: answers now, later, during the call, none; the source's network`, async () => {
      const host = family === 6 ? '::1' : '127.0.0.1';
      const l = await listenUdp({ host, port: 0, family }, handler, nets, silentLogger, { io });
      try {
        assert.equal(l.io, io);
        const got = await ask(l.port, family, ['ok:a', 'later:b', 'sync:c', 'none', 'ok:d'], 4);
        assert.deepEqual(got.sort(), [
          `${family === 6 ? 7 : 4}:a`,
          `${family === 6 ? 7 : 4}:d`,
          'later:b',
          'sync:c',
        ]);
      } finally {
        await l.close();
      }
    });
  }

  test(`${io}: a burst of 1,000 datagrams is answered in full`, async () => {
    const l = await listenUdp({ host: '127.0.0.1', port: 0, family: 4 }, handler, nets, silentLogger, { io });
    try {
      const msgs = Array.from({ length: 1000 }, (_, i) => `ok:${i}`);
      const got = await ask(l.port, 4, msgs);
      assert.equal(new Set(got).size, 1000);
    } finally {
      await l.close();
    }
  });

  test(`${io}: binding a port in use without reusePort fails with EADDRINUSE`, async () => {
    const l = await listenUdp({ host: '127.0.0.1', port: 0, family: 4 }, handler, nets, silentLogger, { io });
    try {
      await assert.rejects(
        listenUdp({ host: '127.0.0.1', port: l.port, family: 4 }, handler, nets, silentLogger, { io }),
        (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
      );
    } finally {
      await l.close();
    }
  });
}

test('batch: a datagram over 4096 bytes is handled from its first 4096 and counted as truncated', {
  skip: !onLinux,
}, async () => {
  await withBatchListener(1 << 20, async (l) => {
    const got = await ask(l.port, 4, [Buffer.alloc(65_507, 0x41), Buffer.alloc(4096, 0x41), 'ok:x']);
    assert.deepEqual(got.sort(), ['4:x', 'len:4096', 'len:4096']);
    assert.equal(l.stats().truncated, 1);
  });
});

test('batch: 1,000 datagrams take several batches; every answer is counted as sent', {
  skip: !onLinux,
}, async () => {
  await withBatchListener(4 << 20, async (l) => {
    await ask(
      l.port,
      4,
      Array.from({ length: 1000 }, (_, i) => `ok:${i}`),
    );
    const s = l.stats();
    assert.equal(s.received, 1000);
    assert.equal(s.sent, 1000);
    assert.equal(s.dropped, 0);
    assert.ok(s.batches >= 1000 / 64, `batches: ${s.batches}`);
  });
});

test('batch: two reusePort listeners share a port and the kernel spreads sources over both', {
  skip: !onLinux,
}, async () => {
  const hp = { host: '127.0.0.1', port: 0, family: 4 as const };
  const opts = { reusePort: true, recvBufferSize: 1 << 20 };
  const a = listenUdpBatch(addon(), hp, handler, nets, silentLogger, opts);
  const b = listenUdpBatch(addon(), { ...hp, port: a.port }, handler, nets, silentLogger, opts);
  try {
    assert.equal(b.port, a.port);
    // each client socket is a new source port, which the kernel hashes to one of the two sockets
    for (let i = 0; i < 40; i++) assert.deepEqual(await ask(a.port, 4, [`ok:${i}`]), [`4:${i}`]);
    assert.equal(a.stats().received + b.stats().received, 40);
    assert.ok(a.stats().received > 0 && b.stats().received > 0, 'both sockets answered');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('batch: closing while datagrams flow, and from inside a batch, is clean', {
  skip: !onLinux,
}, async () => {
  let l: Awaited<ReturnType<typeof listenUdp>> | undefined;
  let seen = 0;
  const closing: DatagramHandler = <C>(msg: Buffer, net: number, ctx: C, later: Later<C>) => {
    if (++seen === 10) void l?.close(); // mid-batch: the batch's answers are not sent
    return handler(msg, net, ctx, later);
  };
  l = await listenUdp({ host: '127.0.0.1', port: 0, family: 4 }, closing, nets, silentLogger, {
    io: 'batch',
  });
  const got = await ask(
    l.port,
    4,
    Array.from({ length: 200 }, (_, i) => `later:${i}`),
    200,
    200,
  );
  assert.ok(got.length < 200, 'nothing is sent once closed');
  await l.close(); // again: idempotent
  // a flood against a socket closed from outside, with forwarded answers still pending
  const m = await listenUdp({ host: '127.0.0.1', port: 0, family: 4 }, handler, nets, silentLogger, {
    io: 'batch',
  });
  const flood = ask(
    m.port,
    4,
    Array.from({ length: 500 }, (_, i) => `later:${i}`),
    500,
    100,
  );
  await sleep(5);
  await m.close();
  await flood;
  await sleep(50); // pending `later` answers after the close are dropped, not thrown
});

test('batch: terminating a worker thread with an open batched socket is clean', {
  skip: !onLinux,
}, async () => {
  const path = createRequire(import.meta.url).resolve('../../native/udp-batch/build/Release/udp_batch.node');
  const code = `
    const { parentPort } = require('node:worker_threads');
    const m = require(${JSON.stringify(path)});
    const s = new m.UdpBatchSocket(4, '127.0.0.1', 0, false, 0, () => {});
    parentPort.postMessage(s.port);`;
  for (let i = 0; i < 3; i++) {
    const w = new Worker(code, { eval: true });
    const port = await new Promise<number>((r) => w.once('message', r));
    assert.ok(port > 0);
    assert.equal(await w.terminate(), 1);
  }
});

test("'batch' when the addon cannot load throws; 'auto' then takes node:dgram", {
  skip: onLinux,
}, async () => {
  await assert.rejects(
    listenUdp({ host: '127.0.0.1', port: 0, family: 4 }, handler, nets, silentLogger, { io: 'batch' }),
    /not available/,
  );
});

test('loadUdpBatchFrom says why no addon is usable: none built, not loadable, not the addon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-udp-batch-'));
  try {
    const missing = join(dir, 'missing.node');
    assert.match(String(loadUdpBatchFrom([missing])), /not built \(npm run build\)/);
    const garbage = join(dir, 'garbage.node');
    writeFileSync(garbage, 'not an ELF object');
    assert.match(String(loadUdpBatchFrom([missing, garbage])), /garbage\.node does not load: /);
    const other = join(dir, 'other.cjs');
    writeFileSync(other, 'module.exports = { layout: {} };');
    assert.match(
      String(loadUdpBatchFrom([other])),
      /other\.cjs is not the udp-batch addon this code expects/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
