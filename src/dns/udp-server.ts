// The UDP side of the server: one socket per listening address, answers sent straight back to the source.
// With `reusePort`, each worker thread binds its own socket on the same port.
// Addresses are IP literals, so a synchronous `lookup` skips the per-send dns.lookup (STACK.md: +10–20%).

import dgram from 'node:dgram';
import type { HostPort } from '../core/dns/host-port.ts';
import type { Logger } from '../lib/log.ts';

/**
 * Handles one datagram: returns the answer now, or undefined and calls `later(answer, rinfo)` when it is
 * ready, or null for no answer.
 */
export type DatagramHandler = (
  msg: Buffer,
  rinfo: dgram.RemoteInfo,
  later: (out: Buffer, rinfo: dgram.RemoteInfo) => void,
) => Buffer | undefined | null;

export interface UdpListener {
  readonly port: number;
  close(): Promise<void>;
}

const literalLookup = (family: number) =>
  ((host: string, _options: unknown, cb: (err: null, address: string, family: number) => void) =>
    cb(null, host, family)) as unknown as dgram.SocketOptions['lookup'];

export function listenUdp(
  hp: HostPort,
  handle: DatagramHandler,
  logger: Logger,
  opts: { reusePort?: boolean } = {},
): Promise<UdpListener> {
  const family = hp.family;
  const sock = dgram.createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    lookup: literalLookup(family),
    recvBufferSize: 4 * 1024 * 1024,
    // SO_REUSEPORT: one socket per worker on the same port; the kernel spreads datagrams by their source
    reusePort: opts.reusePort ?? false,
  });
  const send = (out: Buffer, rinfo: dgram.RemoteInfo) => {
    sock.send(out, rinfo.port, rinfo.address);
  };
  sock.on('message', (msg, rinfo) => {
    const out = handle(msg, rinfo, send);
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
        close: () => new Promise<void>((r) => sock.close(() => r())),
      });
    });
  });
}
