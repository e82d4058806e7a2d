// The TCP listener's defences: the idle timeout counts only complete queries and answers (a slow trickle of a
// frame is closed), and at the connection cap a new client evicts the connection idle the longest.

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { silentLogger } from '../lib/log.ts';
import { listenTcp, type TcpListener } from './tcp-server.ts';

const IDLE = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Echoes every message of at least 12 bytes; drops shorter ones (like the DNS handler). */
const echo = (msg: Buffer) => (msg.length >= 12 ? msg : null);

async function listen(maxConnections?: number): Promise<TcpListener> {
  return listenTcp({ host: '127.0.0.1', port: 0, family: 4 }, echo, silentLogger, {
    idleMs: IDLE,
    maxConnections,
  });
}

interface Client {
  sock: net.Socket;
  closed: () => boolean;
  replies: Buffer[];
}

async function connect(port: number): Promise<Client> {
  const sock = net.connect({ host: '127.0.0.1', port });
  let closed = false;
  const replies: Buffer[] = [];
  let buf = Buffer.alloc(0);
  sock.on('close', () => {
    closed = true;
  });
  sock.on('error', () => {});
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      buf = buf.subarray(2 + buf.readUInt16BE(0));
    }
  });
  await new Promise((r) => sock.once('connect', r));
  return { sock, closed: () => closed, replies };
}

const frame = (msg: Buffer) => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);

const cases: { name: string; every: number; send: 'trickle' | 'query'; open: boolean }[] = [
  {
    name: 'a frame trickled a byte at a time is closed by the idle timeout',
    every: IDLE / 3,
    send: 'trickle',
    open: false,
  },
  { name: 'a client asking complete queries stays open', every: IDLE / 3, send: 'query', open: true },
];

for (const c of cases) {
  test(c.name, async () => {
    const l = await listen();
    try {
      const cl = await connect(l.port);
      if (c.send === 'trickle') cl.sock.write(Buffer.from([0xff, 0xff]));
      const timer = setInterval(() => {
        if (cl.closed()) return;
        cl.sock.write(c.send === 'trickle' ? Buffer.from([0]) : frame(Buffer.alloc(12, 7)));
      }, c.every);
      await sleep(IDLE * 4);
      clearInterval(timer);
      assert.equal(!cl.closed(), c.open);
      if (c.send === 'query') assert.ok(cl.replies.length >= 8, `${cl.replies.length} replies`);
      cl.sock.destroy();
    } finally {
      await l.close();
    }
  });
}

test('at the connection cap a new client evicts the one idle the longest and is answered', async () => {
  const l = await listen(3);
  try {
    const a = await connect(l.port);
    const b = await connect(l.port);
    const c = await connect(l.port);
    await sleep(20);
    a.sock.write(frame(Buffer.alloc(12, 1))); // a is now the most recently active; b the least
    await sleep(50);
    const d = await connect(l.port);
    d.sock.write(frame(Buffer.alloc(12, 4)));
    await sleep(100);
    assert.deepEqual(
      [a, b, c, d].map((x) => x.closed()),
      [false, true, false, false],
    );
    assert.equal(d.replies.length, 1);
    for (const x of [a, c, d]) x.sock.destroy();
  } finally {
    await l.close();
  }
});
