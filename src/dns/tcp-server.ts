// The TCP side of the server (RFC 7766): 2-byte length framing, several queries per connection answered as
// they complete, an idle timeout, and bounds on connections and on queries in flight per connection.

import net from 'node:net';
import type { HostPort } from '../core/dns/host-port.ts';
import type { Logger } from '../lib/log.ts';

/** Like the datagram handler: the answer now, undefined and `later(answer)` once, or null for none. */
export type StreamHandler = (
  msg: Buffer,
  remote: string,
  later: (out: Buffer) => void,
) => Buffer | undefined | null;

export interface TcpOptions {
  /** Close a connection idle this long, ms (default 10 s). */
  idleMs?: number;
  maxConnections?: number;
  /** Stop reading a connection while this many of its queries are unanswered. */
  maxPending?: number;
}

export interface TcpListener {
  readonly port: number;
  close(): Promise<void>;
}

export function listenTcp(
  hp: HostPort,
  handle: StreamHandler,
  logger: Logger,
  opts: TcpOptions = {},
): Promise<TcpListener> {
  const idleMs = opts.idleMs ?? 10_000;
  const maxPending = opts.maxPending ?? 64;
  const conns = new Set<net.Socket>();
  // allowHalfOpen: a client may send its queries and half-close; the answers still go out (RFC 7766 §6.2.1).
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(idleMs, () => sock.destroy());
    const remote = sock.remoteAddress ?? '';
    let buf = Buffer.alloc(0);
    let pending = 0;
    let ended = false;
    const write = (out: Buffer) => {
      if (sock.destroyed) return;
      const framed = Buffer.allocUnsafe(out.length + 2);
      framed.writeUInt16BE(out.length, 0);
      out.copy(framed, 2);
      sock.write(framed);
    };
    const later = (out: Buffer) => {
      pending--;
      write(out);
      if (ended && pending === 0) sock.end();
      else if (pending < maxPending && sock.isPaused()) sock.resume();
    };
    sock.on('end', () => {
      ended = true;
      if (pending === 0) sock.end();
    });
    sock.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        const out = handle(msg, remote, later);
        if (out === null) {
          // Not a query (a response, or shorter than a header): the stream cannot be trusted further.
          sock.destroy();
          return;
        }
        pending++;
        if (out !== undefined) later(out);
      }
      if (pending >= maxPending) sock.pause();
    });
  });
  server.maxConnections = opts.maxConnections ?? 1024;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: hp.host, port: hp.port }, () => {
      server.off('error', reject);
      server.on('error', (e) => logger.warn({ err: e.message, address: hp.host }, 'dns tcp server error'));
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : hp.port,
        close: () =>
          new Promise<void>((r) => {
            for (const c of conns) c.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
