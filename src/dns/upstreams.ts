// Recursion for every name outside `.internal`: the configured upstreams in order, a timeout each, failover to
// the next one (an upstream that failed is tried last for a while), and TCP when the UDP answer is truncated.

import { randomInt } from 'node:crypto';
import { formatHostPort, type HostPort } from '../core/dns/host-port.ts';
import { isTruncated, rcodeOf } from '../core/dns/message-ttl.ts';
import { RCODE } from '../core/dns/wire.ts';
import type { Logger } from '../lib/log.ts';
import type { DnsMetrics } from './metrics.ts';
import { exchangeTcp, exchangeUdp, UpstreamError } from './upstream-client.ts';

export interface UpstreamsOptions {
  /** Per exchange, ms (default 1500). */
  timeoutMs?: number;
  /** How long an upstream that failed goes to the back of the line, ms (default 5000). */
  holdDownMs?: number;
  metrics: DnsMetrics;
  logger: Logger;
  now?: () => number;
}

/** Upstream rcodes that mean "ask the next one" rather than an answer to pass on. */
const TRY_NEXT = new Set<number>([RCODE.SERVFAIL, RCODE.REFUSED, RCODE.NOTIMP]);

export class Upstreams {
  private readonly labels: string[];
  private readonly downUntil: number[];
  private readonly timeoutMs: number;
  private readonly holdDownMs: number;
  private readonly now: () => number;

  constructor(
    readonly list: readonly HostPort[],
    private readonly opts: UpstreamsOptions,
  ) {
    this.labels = list.map(formatHostPort);
    this.downUntil = list.map(() => 0);
    this.timeoutMs = opts.timeoutMs ?? 1500;
    this.holdDownMs = opts.holdDownMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Resolves a client's query. Returns the first good reply with the CLIENT's id put back, or undefined when
   * every upstream failed (timeout, network error, SERVFAIL/REFUSED/NOTIMP).
   */
  async resolve(query: Uint8Array, signal: AbortSignal): Promise<Buffer | undefined> {
    const ours = Buffer.from(query);
    ours.writeUInt16BE(randomInt(0x10000), 0);
    const now = this.now();
    const order = this.list.map((_, i) => i);
    order.sort((a, b) => Number(this.downUntil[a]! > now) - Number(this.downUntil[b]! > now) || a - b);
    for (const i of order) {
      if (signal.aborted) return undefined;
      const up = this.list[i]!;
      try {
        let reply = await exchangeUdp(up, ours, this.timeoutMs, signal);
        if (isTruncated(reply)) reply = await exchangeTcp(up, ours, this.timeoutMs, signal);
        if (TRY_NEXT.has(rcodeOf(reply))) {
          this.failed(i, 'rcode');
          continue;
        }
        this.downUntil[i] = 0;
        reply[0] = query[0]!;
        reply[1] = query[1]!;
        return reply;
      } catch (e) {
        if (signal.aborted) return undefined;
        const reason = e instanceof UpstreamError ? e.reason : 'network';
        this.failed(i, reason);
        this.opts.logger.debug({ upstream: this.labels[i], reason, err: String(e) }, 'upstream failed');
      }
    }
    return undefined;
  }

  private failed(i: number, reason: 'timeout' | 'network' | 'rcode' | 'malformed'): void {
    this.downUntil[i] = this.now() + this.holdDownMs;
    this.opts.metrics.upstreamError(this.labels[i]!, reason);
  }
}
