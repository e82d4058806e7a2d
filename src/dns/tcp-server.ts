// The TCP side of the server (RFC 7766): 2-byte length framing, several queries per connection answered as
// they complete, an idle timeout, and bounds on connections and on queries in flight per connection.
// Idle means no complete query and no answer: a client trickling bytes of a frame it never finishes is closed
// too (RFC 7766 §6.2.3). At the connection cap a new client evicts the connection idle the longest (§6.2.2),
// so idle or slow connections cannot lock out new ones.

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
  /** SO_REUSEPORT: several workers listen on the same port, the kernel spreads connections over them. */
  reusePort?: boolean;
  /** Close a connection without a complete query or an answer for this long, ms (default 10 s). */
  idleMs?: number;
  /** At most this many open connections (default 1024); one more evicts the one idle the longest. */
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
  const maxConnections = opts.maxConnections ?? 1024;
  /** Open connections, least recently active first (a touched one moves to the end), with its pending count. */
  const conns = new Map<net.Socket, { pending: number }>();
  /** Closes the least recently active connection without queries in flight; false when there is none. */
  const evictOne = (): boolean => {
    for (const [sock, c] of conns) {
      if (c.pending > 0) continue;
      conns.delete(sock);
      sock.destroy();
      return true;
    }
    return false;
  };
  // allowHalfOpen: a client may send its queries and half-close; the answers still go out (RFC 7766 §6.2.1).
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (sock) => {
    if (conns.size >= maxConnections && !evictOne()) {
      sock.destroy();
      return;
    }
    const state = { pending: 0 };
    conns.set(sock, state);
    const idle = setTimeout(function fire() {
      // A query still being forwarded keeps the connection: its answer is bounded by the upstream timeouts.
      if (state.pending > 0) idle.refresh();
      else sock.destroy();
    }, idleMs);
    const touch = () => {
      idle.refresh();
      if (conns.delete(sock)) conns.set(sock, state);
    };
    sock.on('close', () => {
      clearTimeout(idle);
      conns.delete(sock);
    });
    sock.on('error', () => sock.destroy());
    const remote = sock.remoteAddress ?? '';
    let buf = Buffer.alloc(0);
    let ended = false;
    const write = (out: Buffer) => {
      if (sock.destroyed) return;
      touch();
      const framed = Buffer.allocUnsafe(out.length + 2);
      framed.writeUInt16BE(out.length, 0);
      out.copy(framed, 2);
      sock.write(framed);
    };
    const later = (out: Buffer) => {
      state.pending--;
      write(out);
      if (ended && state.pending === 0) sock.end();
      else if (state.pending < maxPending && sock.isPaused()) sock.resume();
    };
    sock.on('end', () => {
      ended = true;
      if (state.pending === 0) sock.end();
    });
    sock.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        touch();
        const out = handle(msg, remote, later);
        if (out === null) {
          // Not a query (a response, or shorter than a header): the stream cannot be trusted further.
          sock.destroy();
          return;
        }
        state.pending++;
        if (out !== undefined) later(out);
      }
      if (state.pending >= maxPending) sock.pause();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: hp.host, port: hp.port, reusePort: opts.reusePort ?? false }, () => {
      server.off('error', reject);
      server.on('error', (e) => logger.warn({ err: e.message, address: hp.host }, 'dns tcp server error'));
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : hp.port,
        close: () =>
          new Promise<void>((r) => {
            for (const c of conns.keys()) c.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
