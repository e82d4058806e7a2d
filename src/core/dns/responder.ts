// Bytes in, bytes out: answers one query for `.internal` from the zone index, or says it must be forwarded.
// FORMERR/NOTIMP/REFUSED/BADVERS per RFC 1035 §4.1.1 and RFC 6891 §6.1.3.

import { Lookup } from './names-table.ts';
import { isInternal, Parse, parseQuery, Query } from './query.ts';
import { answerResponse, DEFAULT_ADVERTISED, errorResponse, udpLimit } from './response.ts';
import { CLASS_ANY, CLASS_IN, F, MAX_MESSAGE, RCODE, T } from './wire.ts';
import type { ZoneIndex } from './zone-index.ts';

/** Returned by {@link Responder.respond} when the name is not ours: recurse to the upstreams. */
export const FORWARD = 'forward' as const;
/** Returned when the message deserves no answer (too short, or a response). */
export const DROP = 'drop' as const;

/** The asker is in no network (and no default is set). */
export const NO_NETWORK = -1;

export interface ResponderOptions {
  /** The EDNS UDP payload size we advertise (default 1232). */
  advertised?: number;
}

/**
 * Answers queries for one zone index. Reuses one parsed-query object: not re-entrant, and what
 * {@link Responder.q} holds is only valid until the next call.
 */
export class Responder {
  readonly q = new Query();
  private readonly out = new Lookup();
  private readonly advertised: number;
  /** The rcode of the last response built (for metrics); -1 after FORWARD or DROP. */
  lastRcode = -1;

  constructor(
    private readonly zone: ZoneIndex,
    opts: ResponderOptions = {},
  ) {
    this.advertised = opts.advertised ?? DEFAULT_ADVERTISED;
  }

  /**
   * The response to `msg`, asked from network `net` (or {@link NO_NETWORK}) in region `askerRegion` (an index
   * from `zone.regionIndex`, -1 when unknown). `tcp` lifts the UDP size limit.
   */
  respond(
    msg: Uint8Array,
    net: number,
    tcp: boolean,
    askerRegion: number,
  ): Buffer | typeof FORWARD | typeof DROP {
    const q = this.q;
    const status = parseQuery(msg, msg.length, q);
    if (status === Parse.DROP) {
      this.lastRcode = -1;
      return DROP;
    }
    if (status === Parse.FORMERR) return this.error(msg, RCODE.FORMERR, 0);
    if (status === Parse.NOTIMP) return this.error(msg, RCODE.NOTIMP, 0);
    if (net === NO_NETWORK) return this.error(msg, RCODE.REFUSED, 0);
    if (q.edns && q.ednsVersion !== 0) return this.error(msg, RCODE.BADVERS, F.RA);
    if (q.qtype === T.OPT) return this.error(msg, RCODE.FORMERR, F.RA);
    if (!isInternal(msg, q)) {
      this.lastRcode = -1;
      return FORWARD;
    }
    if ((q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) || q.qtype === T.AXFR || q.qtype === T.IXFR) {
      return this.error(msg, RCODE.REFUSED, F.RA);
    }
    const out = this.out;
    this.zone.lookup(msg, q, net, askerRegion, out);
    this.lastRcode = out.answer.rcode;
    return answerResponse(
      msg,
      q,
      out.answer,
      out.limit,
      this.zone.soa,
      tcp ? MAX_MESSAGE : udpLimit(q),
      this.advertised,
      F.AA | F.RA,
    );
  }

  /** An error response to the message last parsed (e.g. SERVFAIL after a failed forward). */
  error(msg: Uint8Array, rcode: number, flags: number): Buffer {
    this.lastRcode = rcode;
    return errorResponse(msg, this.q, rcode, this.advertised, flags);
  }
}
