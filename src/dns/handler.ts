// One query in, one response out, for both transports: `.internal` from the zone index synchronously, other
// names through the upstreams (then serve-stale, then SERVFAIL). Never throws; counts every answer.

import { questionKey, rcodeOf } from '../core/dns/message-ttl.ts';
import { Parse, parseQuery, Query } from '../core/dns/query.ts';
import { DROP, FORWARD, Responder } from '../core/dns/responder.ts';
import { DEFAULT_ADVERTISED, errorResponse, truncatedResponse, udpLimit } from '../core/dns/response.ts';
import { F, MAX_MESSAGE, RCODE } from '../core/dns/wire.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { isSixpnError } from '../core/errors.ts';
import { monotonicMs } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { DnsMetrics } from './metrics.ts';
import type { StaleCache } from './stale-cache.ts';
import type { Upstreams } from './upstreams.ts';

export interface HandlerOptions {
  zone: ZoneIndex;
  /** Undefined: no recursion (other names get SERVFAIL). */
  upstreams: Upstreams | undefined;
  stale: StaleCache;
  metrics: DnsMetrics;
  logger: Logger;
  /** The asker's region for `top<N>.nearest.of` (this host's or gateway's region). */
  region: string | undefined;
  /** Forwarded queries in flight at most (each holds a socket); more get SERVFAIL at once. Default 512. */
  maxInFlight?: number;
  signal: AbortSignal;
}

/** Called once with a forwarded query's answer, with the context given to {@link DnsHandler.handle}. */
export type Later<C> = (response: Buffer, ctx: C) => void;

export class DnsHandler {
  private readonly responder: Responder;
  private askerRegion = -1;
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: HandlerOptions) {
    this.responder = new Responder(opts.zone);
    this.maxInFlight = opts.maxInFlight ?? 512;
    // The asker region's index can change when regions change; resolve it once per revision, not per query.
    const refresh = () => {
      this.askerRegion = opts.zone.regionIndex(opts.region);
    };
    refresh();
    this.unsubscribe = opts.zone.onApplied(refresh);
  }

  close(): void {
    this.unsubscribe();
  }

  /**
   * Handles `msg` from network `net` (-1: none). Returns the response now; or undefined when the query was
   * forwarded (`later(response, ctx)` is then called once, unless the server shuts down); or null when the
   * message deserves no answer. `msg` may be a view the caller reuses once this returns (a forward copies it).
   */
  handle<C>(msg: Buffer, net: number, tcp: boolean, ctx: C, later: Later<C>): Buffer | undefined | null {
    const t0 = monotonicMs();
    let out: Buffer | typeof FORWARD | typeof DROP;
    try {
      out = this.responder.respond(msg, net, tcp, this.askerRegion);
    } catch (e) {
      // A bug, not the client's fault: log it and answer SERVFAIL rather than crash.
      this.opts.logger.error({ err: e, code: isSixpnError(e) ? e.code : undefined }, 'dns query failed');
      const q = new Query();
      if (parseQuery(msg, msg.length, q) !== Parse.OK) return null;
      this.opts.metrics.query(q.qtype, RCODE.SERVFAIL, (monotonicMs() - t0) / 1000);
      return errorResponse(msg, q, RCODE.SERVFAIL, DEFAULT_ADVERTISED, F.RA);
    }
    if (out === DROP) return null;
    if (out === FORWARD) {
      this.forward(msg, tcp, t0, (r) => later(r, ctx));
      return undefined;
    }
    this.opts.metrics.query(this.responder.q.qtype, this.responder.lastRcode, (monotonicMs() - t0) / 1000);
    return out;
  }

  private forward(view: Buffer, tcp: boolean, t0: number, reply: (out: Buffer) => void): void {
    // Our own copies of the message and the parsed query: the transport reuses its buffer (the batched UDP
    // path) and the shared query is overwritten by the next message.
    const msg = Buffer.from(view);
    const q = new Query();
    const key = questionKey(msg, q) ?? '';
    const limit = tcp ? MAX_MESSAGE : udpLimit(q);
    const done = (out: Buffer) => {
      this.opts.metrics.query(q.qtype, rcodeOf(out), (monotonicMs() - t0) / 1000);
      reply(out);
    };
    const ups = this.opts.upstreams;
    if (!ups || this.inFlight >= this.maxInFlight) {
      done(errorResponse(msg, q, RCODE.SERVFAIL, DEFAULT_ADVERTISED, F.RA));
      return;
    }
    this.inFlight++;
    ups.resolve(msg, this.opts.signal).then(
      (got) => {
        this.inFlight--;
        if (this.opts.signal.aborted) return;
        let out = got;
        if (out) {
          const rc = rcodeOf(out);
          if (rc === RCODE.NOERROR || rc === RCODE.NXDOMAIN) this.opts.stale.put(key, out);
        } else {
          out = this.opts.stale.stale(key);
          if (out) {
            out[0] = msg[0]!;
            out[1] = msg[1]!;
            this.opts.metrics.staleAnswer();
          }
        }
        if (!out) out = errorResponse(msg, q, RCODE.SERVFAIL, DEFAULT_ADVERTISED, F.RA);
        else if (out.length > limit) {
          const flags = out.readUInt16BE(2) & (F.AA | F.RA | F.AD);
          out = truncatedResponse(msg, q, rcodeOf(out), flags, DEFAULT_ADVERTISED);
        }
        done(out);
      },
      (e: unknown) => {
        this.inFlight--;
        this.opts.logger.error({ err: e }, 'dns forward failed');
        if (!this.opts.signal.aborted) done(errorResponse(msg, q, RCODE.SERVFAIL, DEFAULT_ADVERTISED, F.RA));
      },
    );
  }
}
