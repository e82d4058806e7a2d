// Regions by small index: code, latitude/longitude, and the distances `top<N>.nearest.of` sorts by.

import { greatCircleKm } from './geo.ts';
import { LabelMap } from './label-map.ts';

export class RegionTable {
  private readonly byCode = new LabelMap<number>();
  readonly codes: string[] = [];
  readonly lat: number[] = [];
  readonly lon: number[] = [];
  /** Put by the control plane (as opposed to only named by an instance). */
  readonly known: boolean[] = [];
  /** Bumped whenever a position changes, so cached nearest orders know they are stale. */
  epoch = 0;

  indexOf(code: string): number {
    return this.byCode.get(code) ?? -1;
  }

  /** The index of a region label in a message, or -1. */
  indexAt(msg: Uint8Array, off: number): number {
    return this.byCode.getAt(msg, off) ?? -1;
  }

  /** The index for `code`, creating an entry with an unknown position when it is new. */
  intern(code: string): number {
    const found = this.byCode.get(code);
    if (found !== undefined) return found;
    const i = this.codes.length;
    if (i >= 0xffff) throw new RangeError('more than 65535 region codes');
    this.codes.push(code.toLowerCase());
    this.lat.push(Number.NaN);
    this.lon.push(Number.NaN);
    this.known.push(false);
    this.byCode.set(code, i);
    return i;
  }

  put(code: string, lat: number, lon: number): number {
    const i = this.intern(code);
    if (this.lat[i] !== lat || this.lon[i] !== lon || !this.known[i]) {
      this.lat[i] = lat;
      this.lon[i] = lon;
      this.known[i] = true;
      this.epoch++;
    }
    return i;
  }

  /** A deleted region keeps its index (instances may still name it) but loses its position. */
  remove(code: string): void {
    const i = this.indexOf(code);
    if (i < 0) return;
    this.lat[i] = Number.NaN;
    this.lon[i] = Number.NaN;
    this.known[i] = false;
    this.epoch++;
  }

  /**
   * Distance from region `from` to region `to` in km: 0 when `from` is unknown (then every instance is as
   * near as any other), +Infinity when `to` has no known position (such instances come last).
   */
  distance(from: number, to: number): number {
    if (from < 0 || !this.known[from]) return 0;
    if (to < 0 || !this.known[to]) return Number.POSITIVE_INFINITY;
    if (from === to) return 0;
    return greatCircleKm(this.lat[from]!, this.lon[from]!, this.lat[to]!, this.lon[to]!);
  }

  clear(): void {
    this.byCode.clear();
    this.codes.length = 0;
    this.lat.length = 0;
    this.lon.length = 0;
    this.known.length = 0;
    this.epoch++;
  }
}
