// `sixpn dig [TYPE] NAME [--server ADDR] [--network NET]`: asks a DNS server once (UDP, then TCP when the
// answer is truncated) and returns the answers formatted like `dig +short`.

import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import {
  type AddressPlan,
  asNetworkId,
  defaultPlan,
  formatIPv6,
  hostResolverAddress,
  networkDnsAddress,
} from '../core/address.ts';
import { decodeResponse, encodeQuery } from '../core/dns/client-query.ts';
import { formatShort } from '../core/dns/dig-format.ts';
import { formatHostPort, parseHostPort } from '../core/dns/host-port.ts';
import { answersQuery, isTruncated } from '../core/dns/message-ttl.ts';
import { SixpnError } from '../core/errors.ts';
import { exchangeTcp } from './upstream-client.ts';

export interface DigOptions {
  name: string;
  /** Record type name, default AAAA (`.internal` is IPv6-only). */
  type?: string;
  /** `ADDR[:PORT]`; default `fdaa:N:N::3` with `network`, else the host resolver `fdaa::3`. */
  server?: string;
  /** Network number whose DNS address to ask. */
  network?: number;
  plan?: AddressPlan;
  /** Ask over TCP from the start. */
  tcp?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DigResult {
  server: string;
  rcode: string;
  flags: string[];
  /** One line per answer record, as `dig +short` prints them. */
  lines: string[];
}

function udpOnce(
  host: string,
  port: number,
  family: 4 | 6,
  query: Buffer,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const finish = (err?: Error, reply?: Buffer) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.close();
      if (err) reject(err);
      else resolve(reply as Buffer);
    };
    const onAbort = () => finish(new SixpnError('unavailable', 'dig was cancelled'));
    const timer = setTimeout(
      () =>
        finish(
          new SixpnError(
            'unavailable',
            `no answer from ${formatHostPort({ host, port })} in ${timeoutMs} ms; is the DNS server running?`,
          ),
        ),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) =>
      finish(
        new SixpnError('unavailable', `cannot reach ${formatHostPort({ host, port })}: ${e.message}`, {
          cause: e,
        }),
      ),
    );
    sock.on('message', (m) => {
      if (answersQuery(query, m)) finish(undefined, m);
    });
    sock.connect(port, host, () => sock.send(query));
  });
}

/** Asks once and formats the answer. Throws `unavailable` when the server does not answer. */
export async function dig(opts: DigOptions): Promise<DigResult> {
  const plan = opts.plan ?? defaultPlan;
  const serverText =
    opts.server ??
    formatIPv6(
      opts.network !== undefined
        ? networkDnsAddress(plan, asNetworkId(opts.network))
        : hostResolverAddress(plan),
    );
  const hp = parseHostPort(serverText);
  const timeoutMs = opts.timeoutMs ?? 3000;
  const query = encodeQuery(opts.name, opts.type ?? 'AAAA', { id: randomInt(0x10000), udpSize: 1232 });
  const signal = opts.signal ?? new AbortController().signal;
  let reply = opts.tcp ? undefined : await udpOnce(hp.host, hp.port, hp.family, query, timeoutMs, signal);
  if (!reply || isTruncated(reply)) {
    try {
      reply = await exchangeTcp(hp, query, timeoutMs, signal);
    } catch (e) {
      throw new SixpnError(
        'unavailable',
        `no TCP answer from ${formatHostPort(hp)}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  const d = decodeResponse(reply);
  return { server: formatHostPort(hp), rcode: d.rcode, flags: [...d.flags], lines: formatShort(d.packet) };
}
