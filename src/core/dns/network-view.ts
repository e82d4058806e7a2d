// Everything one network sees in `.internal`: its apps and their instances, its peers, `_api`, and the
// network-wide TXT names (`_apps`, `_peer`, `_instances`, `all._instances`), built lazily after each change.

import { formatIPv6, ipv6FromBytes } from '../address.ts';
import { AppView } from './app-view.ts';
import { HAS_ADDR, InstanceTable, NO_REGION, SERVING } from './instance-table.ts';
import { LabelMap } from './label-map.ts';
import { AAAA_RR_LEN, type Answer, joinCapped, txtAnswer, writeAaaa } from './rdata.ts';
import type { RegionTable } from './region-table.ts';

export interface PeerEntry {
  readonly id: string;
  readonly name: string;
  readonly answer: Answer;
}

/** An AAAA answer with one record for a 16-byte address. */
export function singleAaaa(addr: Uint8Array): Answer {
  const bytes = new Uint8Array(AAAA_RR_LEN);
  writeAaaa(bytes, 0, addr, 0);
  return { rcode: 0, count: 1, bytes, len: AAAA_RR_LEN, recLen: AAAA_RR_LEN };
}

export const NetTxt = { APPS: 0, PEERS: 1, INSTANCES: 2, ALL_INSTANCES: 3 } as const;
export type NetTxtKind = (typeof NetTxt)[keyof typeof NetTxt];

export class NetworkView {
  readonly table = new InstanceTable();
  readonly apps = new LabelMap<AppView>();
  private readonly appAt: (AppView | undefined)[] = [];
  private readonly freeAppIndexes: number[] = [];
  readonly peers = new LabelMap<PeerEntry>();
  /** `_api.internal`; set from the network's `dns` address. */
  api: Answer;
  /** The Network object was put (a view also exists for a network only named by apps or instances). */
  known = false;
  private readonly txt: (Answer | undefined)[] = [undefined, undefined, undefined, undefined];

  constructor(
    readonly num: number,
    api: Answer,
  ) {
    this.api = api;
  }

  appAtIndex(i: number): AppView | undefined {
    return this.appAt[i];
  }

  /** The app named `name`, created (unknown, invisible) when missing. */
  appNamed(name: string): AppView {
    let a = this.apps.get(name);
    if (a === undefined) {
      const index = this.freeAppIndexes.pop() ?? this.appAt.length;
      a = new AppView(name.toLowerCase(), index);
      this.appAt[index] = a;
      this.apps.set(name, a);
    }
    return a;
  }

  /** Drops an app that is neither known nor has instances. */
  dropIfUnused(a: AppView): void {
    if (a.known || a.count > 0) return;
    this.apps.delete(a.name);
    this.appAt[a.index] = undefined;
    this.freeAppIndexes.push(a.index);
  }

  /** Call after any app or instance change; per-app answers are reset by the app itself. */
  changed(which: 'apps' | 'peers' | 'instances'): void {
    if (which === 'apps') {
      this.txt[NetTxt.APPS] = undefined;
      this.txt[NetTxt.INSTANCES] = undefined;
      this.txt[NetTxt.ALL_INSTANCES] = undefined;
    } else if (which === 'peers') this.txt[NetTxt.PEERS] = undefined;
    else {
      this.txt[NetTxt.INSTANCES] = undefined;
      this.txt[NetTxt.ALL_INSTANCES] = undefined;
    }
  }

  get isEmpty(): boolean {
    return !this.known && this.apps.size === 0 && this.peers.size === 0;
  }

  txtOf(regions: RegionTable, kind: NetTxtKind): Answer {
    let a = this.txt[kind];
    if (a !== undefined) return a;
    if (kind === NetTxt.APPS) {
      const names = [...this.apps.values()].filter((x) => x.visible).map((x) => x.name);
      a = txtAnswer(joinCapped(names.sort(), ','));
    } else if (kind === NetTxt.PEERS) {
      const names = [...this.peers.values()].map((p) => p.name);
      a = txtAnswer(joinCapped(names.sort(), ','));
    } else {
      a = txtAnswer(joinCapped(this.instanceLines(regions, kind === NetTxt.ALL_INSTANCES), ';'));
    }
    this.txt[kind] = a;
    return a;
  }

  /** `instance=<id>,app=<app>,ip=<ip>,region=<r>` for each instance, by app name then id; lazy. */
  private *instanceLines(regions: RegionTable, includeStopped: boolean): Generator<string> {
    const t = this.table;
    const apps = [...this.apps.values()].filter((x) => x.visible).sort((x, y) => (x.name < y.name ? -1 : 1));
    for (const app of apps) {
      for (const s of t.sortById(t.slotsOf(app))) {
        const f = t.flags[s]!;
        if (!includeStopped && (f & SERVING) === 0) continue;
        const ip = f & HAS_ADDR ? formatIPv6(ipv6FromBytes(t.addr.subarray(s * 16, s * 16 + 16))) : '';
        const r = t.region[s]!;
        const region = r === NO_REGION ? '' : (regions.codes[r] ?? '');
        yield `instance=${t.idOf(s)},app=${app.name},ip=${ip},region=${region}`;
      }
    }
  }
}
