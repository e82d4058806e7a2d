// One app of a network view and the answers of its names, built on first use after a change and kept until
// the next one: `<app>`, `global.`, `<region>.`, `top<N>.nearest.of.`, `regions.`, `vms.` and the `all.` TXTs.

import { HAS_ADDR, type InstanceTable, NO_REGION, type SlotList, STARTED } from './instance-table.ts';
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
  id = '';
  private sorted: Int32Array | undefined;
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

  /** `<app>.internal` and `global.<app>.internal`: started instances, by id. */
  aaaaAll(t: InstanceTable): Answer {
    if (this.all === undefined) this.all = aaaaOf(t, this.slots(t));
    return this.all;
  }

  /** `<region>.<app>.internal`. */
  aaaaRegion(t: InstanceTable, region: number): Answer {
    if (this.byRegion === undefined) {
      const groups = new Map<number, number[]>();
      for (const s of this.slots(t)) {
        const r = t.region[s]!;
        if (r === NO_REGION) continue;
        const g = groups.get(r);
        if (g === undefined) groups.set(r, [s]);
        else g.push(s);
      }
      this.byRegion = new Map();
      for (const [r, g] of groups) this.byRegion.set(r, aaaaOf(t, Int32Array.from(g)));
    }
    return this.byRegion.get(region) ?? NODATA;
  }

  /** `top<N>.nearest.of.<app>.internal`: started instances by distance from `asker`, then by id. */
  nearestFrom(t: InstanceTable, regions: RegionTable, asker: number): Answer {
    if (this.nearest === undefined || this.nearestEpoch !== regions.epoch) {
      this.nearest = new Map();
      this.nearestEpoch = regions.epoch;
    }
    let a = this.nearest.get(asker);
    if (a === undefined) {
      const ordered = this.slots(t);
      const rank = new Map<number, number>();
      for (let i = 0; i < ordered.length; i++) rank.set(ordered[i]!, i);
      const dist = new Map<number, number>();
      const d = (s: number): number => {
        const r = t.region[s]!;
        const known = dist.get(r);
        if (known !== undefined) return known;
        const v = regions.distance(asker, r === NO_REGION ? -1 : r);
        dist.set(r, v);
        return v;
      };
      const byDistance = Int32Array.from(ordered).sort((x, y) => d(x) - d(y) || rank.get(x)! - rank.get(y)!);
      a = aaaaOf(t, byDistance);
      this.nearest.set(asker, a);
    }
    return a;
  }

  txtOf(t: InstanceTable, regions: RegionTable, kind: TxtKind): Answer {
    let a = this.txt[kind];
    if (a !== undefined) return a;
    const includeStopped = kind === Txt.ALL_REGIONS || kind === Txt.ALL_VMS;
    const picked = this.slots(t).filter((s) => includeStopped || (t.flags[s]! & STARTED) !== 0);
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

/** The AAAA RRset of the started instances with an address among `slots`, in that order. */
function aaaaOf(t: InstanceTable, slots: Int32Array): Answer {
  let n = 0;
  for (const s of slots) if ((t.flags[s]! & (STARTED | HAS_ADDR)) === (STARTED | HAS_ADDR)) n++;
  if (n === 0) return NODATA;
  n = Math.min(n, MAX_AAAA_RECORDS);
  const bytes = new Uint8Array(n * AAAA_RR_LEN);
  let i = 0;
  for (const s of slots) {
    if (i === n) break;
    if ((t.flags[s]! & (STARTED | HAS_ADDR)) !== (STARTED | HAS_ADDR)) continue;
    writeAaaa(bytes, i * AAAA_RR_LEN, t.addr, s * 16);
    i++;
  }
  return { rcode: 0, count: n, bytes, len: bytes.length, recLen: AAAA_RR_LEN };
}
