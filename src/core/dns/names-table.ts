// The `.internal` names of DESIGN.md, resolved straight from the labels of a query (no strings made):
// which name it is, and the precomputed answer for it in the asker's network view.

import { Txt } from './app-view.ts';
import { HAS_ADDR, SERVING } from './instance-table.ts';
import { NetTxt, type NetworkView } from './network-view.ts';
import type { Query } from './query.ts';
import { AAAA_RR_LEN, type Answer, NODATA, NXDOMAIN, writeAaaa } from './rdata.ts';
import type { RegionTable } from './region-table.ts';
import { labelIs, lower, T, word } from './wire.ts';

const W = {
  global: word('global'),
  regions: word('regions'),
  vms: word('vms'),
  vm: word('vm'),
  all: word('all'),
  of: word('of'),
  nearest: word('nearest'),
  svc: word('svc'),
  api: word('_api'),
  apps: word('_apps'),
  peer: word('_peer'),
  instances: word('_instances'),
};

/** What kind of data a name holds; a query of another type gets NODATA. */
const Kind = { NONE: 0, AAAA: 1, TXT: 2, SOA: 3, EMPTY: 4 } as const;
type KindValue = (typeof Kind)[keyof typeof Kind];

/** What the index needs to supply besides the view. */
export interface NameContext {
  readonly regions: RegionTable;
  /** The SOA as an answer for `internal.` itself. */
  readonly apex: Answer;
  /** `_api.internal` for a network with no view (nothing of it is known yet). */
  apiFor(net: number): Answer;
}

/** The outcome of one lookup; one instance is reused. */
export class Lookup {
  answer: Answer = NXDOMAIN;
  /** How many of the answer's records to send (`top<N>`). */
  limit = 0x7fffffff;
  private readonly vmBytes = new Uint8Array(AAAA_RR_LEN);
  /** The answer for one instance, written into a buffer of this object. */
  readonly vm: Answer = { rcode: 0, count: 1, bytes: this.vmBytes, len: AAAA_RR_LEN, recLen: AAAA_RR_LEN };

  setVm(addr: Uint8Array, off: number): Answer {
    writeAaaa(this.vmBytes, 0, addr, off);
    return this.vm;
  }
}

/**
 * Resolves the question of `q` (known to end in `internal.`) in network `net` (its view, or undefined when
 * nothing of it is known) for an asker in region `asker` (-1: unknown), into `out`.
 */
export function resolveInternal(
  ctx: NameContext,
  view: NetworkView | undefined,
  net: number,
  msg: Uint8Array,
  q: Query,
  asker: number,
  out: Lookup,
): void {
  out.limit = 0x7fffffff;
  let kind: KindValue = Kind.NONE;
  let ans: Answer = NXDOMAIN;
  const L = q.labels;
  const n = q.labelCount - 1;
  if (n === 0) {
    kind = Kind.SOA;
    ans = ctx.apex;
  } else if (n === 1) {
    const l0 = L[0]!;
    if (labelIs(msg, l0, W.api)) {
      kind = Kind.AAAA;
      ans = view ? view.api : ctx.apiFor(net);
    } else if (labelIs(msg, l0, W.apps)) {
      kind = Kind.TXT;
      ans = view ? view.txtOf(ctx.regions, NetTxt.APPS) : NODATA;
    } else if (labelIs(msg, l0, W.peer)) {
      kind = Kind.TXT;
      ans = view ? view.txtOf(ctx.regions, NetTxt.PEERS) : NODATA;
    } else if (labelIs(msg, l0, W.instances)) {
      kind = Kind.TXT;
      ans = view ? view.txtOf(ctx.regions, NetTxt.INSTANCES) : NODATA;
    } else {
      const app = view?.apps.getAt(msg, l0);
      if (view && app?.visible) {
        kind = Kind.AAAA;
        ans = app.aaaaAll(view.table, ctx.regions);
      }
    }
  } else if (n === 2 && labelIs(msg, L[1]!, W.peer)) {
    const p = view?.peers.getAt(msg, L[0]!);
    if (p) {
      kind = Kind.AAAA;
      ans = p.answer;
    }
  } else if (n === 2 && labelIs(msg, L[1]!, W.instances)) {
    if (labelIs(msg, L[0]!, W.all)) {
      kind = Kind.TXT;
      ans = view ? view.txtOf(ctx.regions, NetTxt.ALL_INSTANCES) : NODATA;
    }
  } else if (view !== undefined && n >= 2 && n <= 4) {
    const app = view.apps.getAt(msg, L[n - 1]!);
    if (app?.visible) {
      const t = view.table;
      const l0 = L[0]!;
      if (n === 2) {
        if (labelIs(msg, l0, W.global)) {
          kind = Kind.AAAA;
          ans = app.aaaaAll(t, ctx.regions);
        } else if (labelIs(msg, l0, W.regions)) {
          kind = Kind.TXT;
          ans = app.txtOf(t, ctx.regions, Txt.REGIONS);
        } else if (labelIs(msg, l0, W.vms)) {
          kind = Kind.TXT;
          ans = app.txtOf(t, ctx.regions, Txt.VMS);
        } else if (labelIs(msg, l0, W.svc)) {
          kind = Kind.AAAA;
          ans = app.service ?? NODATA;
        } else if (labelIs(msg, l0, W.vm) || labelIs(msg, l0, W.of)) {
          kind = Kind.EMPTY; // empty non-terminals above `<id>.vm.` and `nearest.of.`
          ans = NODATA;
        } else {
          const r = ctx.regions.indexAt(msg, l0);
          if (r >= 0) {
            const a = app.aaaaRegion(t, ctx.regions, r);
            if (ctx.regions.known[r] || a.count > 0) {
              kind = Kind.AAAA;
              ans = a;
            }
          }
        }
      } else if (n === 3) {
        const l1 = L[1]!;
        if (labelIs(msg, l1, W.vm)) {
          const slot = findInstance(view, msg, l0);
          if (slot >= 0 && t.app[slot] === app.index) {
            kind = Kind.AAAA;
            const f = t.flags[slot]!;
            ans = (f & (SERVING | HAS_ADDR)) === (SERVING | HAS_ADDR) ? out.setVm(t.addr, slot * 16) : NODATA;
          }
        } else if (labelIs(msg, l0, W.all) && labelIs(msg, l1, W.regions)) {
          kind = Kind.TXT;
          ans = app.txtOf(t, ctx.regions, Txt.ALL_REGIONS);
        } else if (labelIs(msg, l0, W.all) && labelIs(msg, l1, W.vms)) {
          kind = Kind.TXT;
          ans = app.txtOf(t, ctx.regions, Txt.ALL_VMS);
        } else if (labelIs(msg, l0, W.nearest) && labelIs(msg, l1, W.of)) {
          kind = Kind.EMPTY;
          ans = NODATA;
        }
      } else if (labelIs(msg, L[2]!, W.of) && labelIs(msg, L[1]!, W.nearest)) {
        const k = topN(msg, l0);
        if (k > 0) {
          kind = Kind.AAAA;
          ans = app.nearestFrom(t, ctx.regions, asker);
          out.limit = k;
        }
      }
    }
  }
  out.answer = kind === Kind.NONE || matches(kind, q.qtype) ? ans : NODATA;
}

function matches(kind: KindValue, qtype: number): boolean {
  if (qtype === T.ANY) return kind !== Kind.EMPTY;
  if (kind === Kind.AAAA) return qtype === T.AAAA;
  if (kind === Kind.TXT) return qtype === T.TXT;
  if (kind === Kind.SOA) return qtype === T.SOA;
  return false;
}

/** N of a `top<N>` label: 1–99999 without leading zeros; 0 when the label is anything else. */
export function topN(msg: Uint8Array, off: number): number {
  const len = msg[off]!;
  if (len < 4 || len > 8) return 0;
  if (lower(msg[off + 1]!) !== 116 || lower(msg[off + 2]!) !== 111 || lower(msg[off + 3]!) !== 112) return 0;
  let v = 0;
  for (let i = 4; i <= len; i++) {
    const c = msg[off + i]!;
    if (c < 48 || c > 57 || (i === 4 && c === 48)) return 0;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** The slot of the instance named by the label at `off` (8 hex digits, any case), or -1. */
function findInstance(view: NetworkView, msg: Uint8Array, off: number): number {
  const len = msg[off]!;
  if (len === 8) {
    let v = 0;
    let ok = true;
    for (let i = 1; i <= 8; i++) {
      const c = lower(msg[off + i]!);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (d < 0) {
        ok = false;
        break;
      }
      v = v * 16 + d;
    }
    if (ok && v !== 0) return view.table.findNum(v);
  }
  if (!view.table.hasOddIds) return -1;
  const id = Buffer.from(msg.subarray(off + 1, off + 1 + len)).toString('latin1');
  return view.table.findOdd(id);
}
