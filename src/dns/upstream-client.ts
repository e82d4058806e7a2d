// One exchange with one upstream resolver: UDP on a fresh connected socket (a random source port, ICMP errors
// reported), or TCP with 2-byte length framing (RFC 1035 §4.2.2, RFC 7766).

import dgram from 'node:dgram';
import net from 'node:net';
import type { HostPort } from '../core/dns/host-port.ts';
import { answersQuery } from '../core/dns/message-ttl.ts';

export type UpstreamFailure = 'timeout' | 'network' | 'malformed';

export class UpstreamError extends Error {
  constructor(
    readonly reason: UpstreamFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

function abortError(): UpstreamError {
  return new UpstreamError('network', 'aborted');
}

type Finish = (err: Error | undefined, reply?: Buffer) => void;

/**
 * One exchange with an upstream: settles once, on the first of reply, error, timeout or abort; `close` releases
 * the socket before it settles. `start` opens the socket and calls `finish`.
 */
function exchange(
  timeoutMs: number,
  signal: AbortSignal,
  start: (finish: Finish) => { close: () => void },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    let done = false;
    let close = () => {};
    const finish: Finish = (err, reply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      close();
      if (err) reject(err);
      else resolve(reply as Buffer);
    };
    const onAbort = () => finish(abortError());
    const timer = setTimeout(
      () => finish(new UpstreamError('timeout', `no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal.addEventListener('abort', onAbort, { once: true });
    close = start(finish).close;
  });
}

const networkError = (e: Error) => new UpstreamError('network', e.message, { cause: e });

/** Sends `query` (its id already chosen) over UDP and waits for the reply that answers it. */
export function exchangeUdp(
  up: HostPort,
  query: Uint8Array,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Buffer> {
  return exchange(timeoutMs, signal, (finish) => {
    const sock = dgram.createSocket(up.family === 6 ? 'udp6' : 'udp4');
    sock.on('error', (e) => finish(networkError(e)));
    // A connected socket only receives from the upstream's address and port.
    sock.on('message', (msg) => {
      if (answersQuery(query, msg)) finish(undefined, msg);
    });
    sock.connect(up.port, up.host, () => {
      sock.send(query, (e) => {
        if (e) finish(networkError(e));
      });
    });
    return { close: () => sock.close() };
  });
}

/** Sends `query` over TCP and reads one length-prefixed reply. */
export function exchangeTcp(
  up: HostPort,
  query: Uint8Array,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Buffer> {
  return exchange(timeoutMs, signal, (finish) => {
    const sock = net.connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    sock.on('error', (e) => finish(networkError(e)));
    sock.on('close', () => finish(new UpstreamError('network', 'connection closed before the answer')));
    sock.on('connect', () => {
      const framed = Buffer.allocUnsafe(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      framed.set(query, 2);
      sock.write(framed);
    });
    sock.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      const reply = buf.subarray(2, 2 + len);
      if (answersQuery(query, reply)) finish(undefined, Buffer.from(reply));
      else finish(new UpstreamError('malformed', 'the TCP answer does not match the question'));
    });
    return { close: () => sock.destroy() };
  });
}
