// One app of a network view and the answers of its names, built on first use after a change and kept until
// the next one: `<app>`, `global.`, `<region>.`, `top<N>.nearest.of.`, `regions.`, `vms.` and the `all.` TXTs.

import { HAS_ADDR, type InstanceTable, NO_REGION, SERVING, type SlotList } from './instance-table.ts';
import {
  AAAA_RR_LEN,
  type Answer,
  joinCapped,
  MAX_AAAA_RECORDS,
  NODATA,
  txtAnswer,
  writeAaaa,
} from './rdata.ts';
import type { RegionTable } from './region-table.ts';

/** Which of the TXT names. */
export const Txt = { REGIONS: 0, ALL_REGIONS: 1, VMS: 2, ALL_VMS: 3 } as const;
export type TxtKind = (typeof Txt)[keyof typeof Txt];

export class AppView implements SlotList {
  head = -1;
  count = 0;
  /** The app object was put (instances may arrive first). */
  known = false;
  privateNetwork = false;
  /** The app has health checks: its instances serve only while passing. */
  hasChecks = false;
  id = '';
  /** `svc.<app>.internal`: the app's service address as one AAAA record, or undefined (NODATA). */
  service: Answer | undefined;
  private sorted: Int32Array | undefined;
  /** Slots of the records of {@link rrset}, in its order. */
  private live: Int32Array | undefined;
  private rrset: Uint8Array | undefined;
  private all: Answer | undefined;
  private byRegion: Map<number, Answer> | undefined;
  private readonly txt: (Answer | undefined)[] = [undefined, undefined, undefined, undefined];
  private nearest: Map<number, Answer> | undefined;
  private nearestEpoch = -1;

  constructor(
    readonly name: string,
    /** Index in the network view; what the instance table's `app` column holds. */
    readonly index: number,
  ) {}

  /** Has names in the zone: put, with private networking. */
  get visible(): boolean {
    return this.known && this.privateNetwork;
  }

  /** Forgets every built answer; the next lookup rebuilds what it needs. */
  changed(): void {
    this.sorted = undefined;
    this.live = undefined;
    this.rrset = undefined;
    this.all = undefined;
    this.byRegion = undefined;
    this.txt.fill(undefined);
    this.nearest = undefined;
  }

  /** Slots of every instance, ordered by id. */
  private slots(t: InstanceTable): Int32Array {
    if (this.sorted === undefined) this.sorted = t.sortById(t.slotsOf(this));
    return this.sorted;
  }

  /** `<app>.internal` and `global.<app>.internal`: started instances grouped by region code, then by id. */
  aaaaAll(t: InstanceTable, regions: RegionTable): Answer {
    if (this.all === undefined) this.buildAaaa(t, regions);
    return this.all ?? NODATA;
  }

  /** `<region>.<app>.internal`: a slice of the app's RRset (no copy). */
  aaaaRegion(t: InstanceTable, regions: RegionTable, region: number): Answer {
    if (this.all === undefined) this.buildAaaa(t, regions);
    return this.byRegion?.get(region) ?? NODATA;
  }

  /**
   * `top<N>.nearest.of.<app>.internal`: the app's records reordered by distance from region `asker`, ties by
   * instance id. Shares the RRset's bytes; only the order (4 bytes a record) is new.
   */
  nearestFrom(t: InstanceTable, regions: RegionTable, asker: number): Answer {
    if (this.nearest === undefined || this.nearestEpoch !== regions.epoch) {
      this.nearest = new Map();
      this.nearestEpoch = regions.epoch;
    }
    const cached = this.nearest.get(asker);
    if (cached !== undefined) return cached;
    const all = this.aaaaAll(t, regions);
    const live = this.live ?? new Int32Array(0);
    let a: Answer = NODATA;
    if (all.count > 0) {
      const rank = new Map<number, number>();
      this.slots(t).forEach((s, i) => {
        rank.set(s, i);
      });
      const dist = new Map<number, number>();
      const d = (s: number): number => {
        const r = t.region[s]!;
        const known = dist.get(r);
        if (known !== undefined) return known;
        const v = regions.distance(asker, r === NO_REGION ? -1 : r);
        dist.set(r, v);
        return v;
      };
      const order = Uint32Array.from(live.keys()).sort((x, y) => {
        const sx = live[x]!;
        const sy = live[y]!;
        return d(sx) - d(sy) || rank.get(sx)! - rank.get(sy)!;
      });
      const n = Math.min(order.length, MAX_AAAA_RECORDS);
      a = { rcode: 0, count: n, bytes: this.rrset!, len: n * AAAA_RR_LEN, recLen: AAAA_RR_LEN, order };
    }
    this.nearest.set(asker, a);
    return a;
  }

  /**
   * Encodes the RRset once: started instances with an address, sorted by region code then id, so each
   * region's records are one contiguous slice.
   */
  private buildAaaa(t: InstanceTable, regions: RegionTable): void {
    const code = (s: number): string => {
      const r = t.region[s]!;
      return r === NO_REGION ? '\uffff' : (regions.codes[r] ?? '\uffff');
    };
    const ids = this.slots(t);
    const rank = new Map<number, number>();
    ids.forEach((s, i) => {
      rank.set(s, i);
    });
    const live = ids
      .filter((s) => (t.flags[s]! & (SERVING | HAS_ADDR)) === (SERVING | HAS_ADDR))
      .sort((x, y) => {
        const cx = code(x);
        const cy = code(y);
        return cx < cy ? -1 : cx > cy ? 1 : rank.get(x)! - rank.get(y)!;
      });
    this.live = live;
    this.byRegion = new Map();
    if (live.length === 0) {
      this.rrset = undefined;
      this.all = NODATA;
      return;
    }
    const bytes = new Uint8Array(live.length * AAAA_RR_LEN);
    live.forEach((s, i) => {
      writeAaaa(bytes, i * AAAA_RR_LEN, t.addr, s * 16);
    });
    this.rrset = bytes;
    this.all = slice(bytes, 0, live.length);
    for (let i = 0; i < live.length; ) {
      const r = t.region[live[i]!]!;
      let j = i + 1;
      while (j < live.length && t.region[live[j]!] === r) j++;
      if (r !== NO_REGION) this.byRegion.set(r, slice(bytes, i, j - i));
      i = j;
    }
  }

  txtOf(t: InstanceTable, regions: RegionTable, kind: TxtKind): Answer {
    let a = this.txt[kind];
    if (a !== undefined) return a;
    const includeStopped = kind === Txt.ALL_REGIONS || kind === Txt.ALL_VMS;
    const picked = this.slots(t).filter((s) => includeStopped || (t.flags[s]! & SERVING) !== 0);
    const regionOf = (s: number): string => {
      const r = t.region[s]!;
      return r === NO_REGION ? '' : (regions.codes[r] ?? '');
    };
    if (kind === Txt.REGIONS || kind === Txt.ALL_REGIONS) {
      const codes = [...new Set(Array.from(picked, regionOf))].filter((c) => c !== '').sort();
      a = txtAnswer(joinCapped(codes, ','));
    } else {
      a = txtAnswer(
        joinCapped(
          Array.from(picked, (s) => `${t.idOf(s)} ${regionOf(s)}`),
          ',',
        ),
      );
    }
    this.txt[kind] = a;
    return a;
  }
}

/** The records [first, first + count) of an RRset as an answer: a view, no copy; cut at the largest message. */
function slice(bytes: Uint8Array, first: number, count: number): Answer {
  const n = Math.min(count, MAX_AAAA_RECORDS);
  const view = bytes.subarray(first * AAAA_RR_LEN, (first + n) * AAAA_RR_LEN);
  return { rcode: 0, count: n, bytes: view, len: view.length, recLen: AAAA_RR_LEN };
}
