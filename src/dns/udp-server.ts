// The UDP side of the server: one socket per listening address, answers sent straight back to the source.
// With `reusePort`, each worker thread binds its own socket on the same port. Two ways to do the I/O: the
// batched addon (udp-batch.ts: recvmmsg/sendmmsg, no per-datagram objects), used when it loads, else
// node:dgram. Addresses are IP literals, so dgram's synchronous `lookup` skips the per-send dns.lookup
// (STACK.md: +10–20%).

import dgram from 'node:dgram';
import type { HostPort } from '../core/dns/host-port.ts';
import type { Logger } from '../lib/log.ts';
import type { Later } from './handler.ts';
import { listenUdpBatch, loadUdpBatch } from './udp-batch.ts';

/**
 * Handles one datagram from network `net`: returns the answer now, or undefined and calls `later(answer, ctx)`
 * once when it is ready, or null for no answer. `msg` may be a view of a buffer the transport reuses once this
 * returns: whoever keeps it (a forwarded query) copies it.
 */
export type DatagramHandler = <C>(
  msg: Buffer,
  net: number,
  ctx: C,
  later: Later<C>,
) => Buffer | undefined | null;

/** The network of a source: from its address text (node:dgram) or its sockaddr bytes (batched path). */
export interface SourceNet {
  of(address: string): number;
  ofSockaddr(b: Uint8Array, off: number): number;
}

/** `auto`: the batched addon when it loads, else node:dgram; `batch` throws when the addon does not load. */
export type UdpIo = 'auto' | 'batch' | 'dgram';

export interface UdpListener {
  readonly port: number;
  /** Which I/O path this socket uses. */
  readonly io: 'batch' | 'dgram';
  close(): Promise<void>;
}

const RECV_BUFFER = 4 * 1024 * 1024;

const literalLookup = (family: number) =>
  ((host: string, _options: unknown, cb: (err: null, address: string, family: number) => void) =>
    cb(null, host, family)) as unknown as dgram.SocketOptions['lookup'];

let told = false;

/** Binds `hp` and answers through `handle`; rejects with the bind error (e.g. EADDRINUSE). */
export async function listenUdp(
  hp: HostPort,
  handle: DatagramHandler,
  nets: SourceNet,
  logger: Logger,
  opts: { reusePort?: boolean; io?: UdpIo } = {},
): Promise<UdpListener> {
  const io = opts.io ?? 'auto';
  const native = io === 'dgram' ? 'node:dgram was asked for' : loadUdpBatch();
  if (io === 'batch' && typeof native === 'string') {
    throw new Error(`dns: the batched UDP path was asked for but is not available: ${native}`);
  }
  if (!told) {
    told = true; // once per thread: every socket of the thread takes the same path
    if (typeof native === 'string') logger.info({ io: 'dgram', why: native }, 'dns udp io');
    else logger.info({ io: 'batch' }, 'dns udp io');
  }
  const reusePort = opts.reusePort ?? false;
  if (typeof native !== 'string') {
    return listenUdpBatch(native, hp, handle, nets, logger, { reusePort, recvBufferSize: RECV_BUFFER });
  }
  return listenDgram(hp, handle, nets, logger, reusePort);
}

function listenDgram(
  hp: HostPort,
  handle: DatagramHandler,
  nets: SourceNet,
  logger: Logger,
  reusePort: boolean,
): Promise<UdpListener> {
  const family = hp.family;
  const sock = dgram.createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    lookup: literalLookup(family),
    recvBufferSize: RECV_BUFFER,
    // SO_REUSEPORT: one socket per worker on the same port; the kernel spreads datagrams by their source
    reusePort,
  });
  const send = (out: Buffer, rinfo: dgram.RemoteInfo) => {
    sock.send(out, rinfo.port, rinfo.address);
  };
  sock.on('message', (msg, rinfo) => {
    const out = handle(msg, nets.of(rinfo.address), rinfo, send);
    if (out) sock.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    const onListenError = (e: Error) => reject(e);
    sock.once('error', onListenError);
    sock.bind({ address: hp.host, port: hp.port }, () => {
      sock.off('error', onListenError);
      // After bind, errors (e.g. ICMP unreachable reported on send) must never crash the process.
      sock.on('error', (e) => logger.warn({ err: e.message, address: hp.host }, 'dns udp socket error'));
      resolve({
        port: sock.address().port,
        io: 'dgram',
        close: () => new Promise<void>((r) => sock.close(() => r())),
      });
    });
  });
}
