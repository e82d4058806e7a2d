// The in-memory `.internal` zone: one view per network, built from a Snapshot and kept current by applying
// each watch-stream Change (no rebuild per change). Answers are encoded once per change, on first use.

import {
  type AddressPlan,
  asNetworkId,
  defaultPlan,
  ipv6ToBytes,
  networkDnsAddress,
  tryParseIPv6,
} from '../address.ts';
import type { App, Change, Instance, Network, Peer, Snapshot } from '../model.ts';
import { appHasChecks, isServing } from '../serving.ts';
import type { AppView } from './app-view.ts';
import { HAS_ADDR, type InstanceTable, PASSING, SERVING, STATE_STARTED } from './instance-table.ts';
import { type Lookup, type NameContext, resolveInternal } from './names-table.ts';
import { NetworkView, singleAaaa } from './network-view.ts';
import type { Query } from './query.ts';
import { type Answer, NODATA, soaAnswer, soaRecord } from './rdata.ts';
import { RegionTable } from './region-table.ts';

export interface ZoneIndexOptions {
  /** The deployment's address plan; `_api.internal` of a network not yet known is computed from it. */
  plan?: AddressPlan;
}

/** Sets the SERVING bit of `slot` from its state and verdict bits and its app's checks (the one predicate). */
function setServing(t: InstanceTable, slot: number, app: AppView): void {
  const f = t.flags[slot]!;
  const inst = {
    state: f & STATE_STARTED ? ('started' as const) : ('stopped' as const),
    health: f & PASSING ? ('passing' as const) : null,
  };
  t.flags[slot] = isServing(inst, app.hasChecks) ? f | SERVING : f & ~SERVING;
}

/** Parses an IPv6 address to its 16 bytes; undefined when it is not one. */
function addressBytes(text: string | null | undefined): Uint8Array | undefined {
  if (!text) return undefined;
  const v = tryParseIPv6(text);
  return v === undefined ? undefined : ipv6ToBytes(v);
}

/**
 * The zone index. Not thread-safe and not re-entrant: one owner applies state and serves lookups on the same
 * event loop. `applySnapshot` replaces everything (use it to resync); `applyChange` is incremental and
 * ignores changes at or below the current revision, so replaying an overlap is harmless.
 */
export class ZoneIndex implements NameContext {
  readonly regions = new RegionTable();
  private readonly networks = new Map<number, NetworkView>();
  private readonly appHome = new Map<string, { net: number; name: string }>();
  private readonly peerHome = new Map<string, { net: number; key: string }>();
  private readonly apiCache = new Map<number, Answer>();
  private readonly plan: AddressPlan;
  private rev = 0;
  private soaRev = 0;
  private soaBytes: Uint8Array;
  private apexAnswer: Answer;
  private readonly listeners = new Set<(rev: number) => void>();

  constructor(opts: ZoneIndexOptions = {}) {
    this.plan = opts.plan ?? defaultPlan;
    this.soaBytes = soaRecord(0);
    this.apexAnswer = soaAnswer(0);
  }

  /**
   * The SOA record of `internal.` for negative answers, its names pointing at offset 12 (the response points
   * them at the question's last label); its serial is the revision (encoded on demand).
   */
  get soa(): Uint8Array {
    if (this.soaRev !== this.rev) this.refreshSoa();
    return this.soaBytes;
  }

  /** The SOA as the answer for `internal.` itself. */
  get apex(): Answer {
    if (this.soaRev !== this.rev) this.refreshSoa();
    return this.apexAnswer;
  }

  private refreshSoa(): void {
    this.soaBytes = soaRecord(this.rev);
    this.apexAnswer = soaAnswer(this.rev);
    this.soaRev = this.rev;
  }

  get revision(): number {
    return this.rev;
  }

  /** Replaces the whole state (first load and resync). */
  applySnapshot(s: Snapshot): void {
    this.networks.clear();
    this.appHome.clear();
    this.peerHome.clear();
    this.apiCache.clear();
    this.regions.clear();
    for (const r of s.regions) this.regions.put(r.code, r.lat, r.lon);
    for (const n of s.networks) this.putNetwork(n);
    for (const a of s.apps) this.putApp(a);
    for (const i of s.instances) this.putInstance(i);
    for (const p of s.peers) this.putPeer(p);
    this.setRevision(s.revision);
  }

  /** Applies one committed change; returns false when it was already applied (rev ≤ revision). */
  applyChange(c: Change): boolean {
    if (c.rev <= this.rev) return false;
    const put = c.op === 'put';
    switch (c.kind) {
      case 'region':
        if (put) this.regions.put(c.obj.code, c.obj.lat, c.obj.lon);
        else this.regions.remove(c.obj.code);
        break;
      case 'network':
        if (put) this.putNetwork(c.obj);
        else this.deleteNetwork(c.obj.num);
        break;
      case 'app':
        if (put) this.putApp(c.obj);
        else this.deleteApp(c.obj);
        break;
      case 'instance':
        if (put) this.putInstance(c.obj);
        else this.deleteInstance(c.obj);
        break;
      case 'peer':
        if (put) this.putPeer(c.obj);
        else this.deletePeer(c.obj);
        break;
      default:
        break; // orgs and hosts carry nothing the zone shows
    }
    this.setRevision(c.rev);
    return true;
  }

  /** Called after every applied snapshot or change with the new revision. Returns an unsubscribe. */
  onApplied(fn: (rev: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The hot path: resolves a parsed `.internal` question for network `net` into `out`. */
  lookup(msg: Uint8Array, q: Query, net: number, askerRegion: number, out: Lookup): void {
    resolveInternal(this, this.networks.get(net), net, msg, q, askerRegion, out);
  }

  /** `_api.internal` for a network with no view yet: `fdaa:N:N::3` from the plan (bounded cache). */
  apiFor(net: number): Answer {
    let a = this.apiCache.get(net);
    if (a === undefined) {
      if (this.apiCache.size >= 4096) this.apiCache.clear();
      a = singleAaaa(ipv6ToBytes(networkDnsAddress(this.plan, asNetworkId(net))));
      this.apiCache.set(net, a);
    }
    return a;
  }

  /** Index of the asker's region code for {@link lookup}; -1 when unknown (nearest then orders by id). */
  regionIndex(code: string | undefined): number {
    return code === undefined ? -1 : this.regions.indexOf(code);
  }

  /** Counts for tests and the benchmark. */
  stats(): { networks: number; instances: number; tableBytes: number } {
    let instances = 0;
    let tableBytes = 0;
    for (const v of this.networks.values()) {
      instances += v.table.size;
      tableBytes += v.table.byteSize;
    }
    return { networks: this.networks.size, instances, tableBytes };
  }

  private setRevision(rev: number): void {
    this.rev = rev;
    for (const fn of this.listeners) fn(rev);
  }

  private view(net: number): NetworkView {
    let v = this.networks.get(net);
    if (v === undefined) {
      v = new NetworkView(net, this.apiFor(net));
      this.networks.set(net, v);
    }
    return v;
  }

  private putNetwork(n: Network): void {
    const v = this.view(n.num);
    v.known = true;
    const dns = addressBytes(n.dns);
    v.api = dns ? singleAaaa(dns) : this.apiFor(n.num);
  }

  private deleteNetwork(num: number): void {
    this.networks.delete(num);
    for (const [id, h] of this.appHome) if (h.net === num) this.appHome.delete(id);
    for (const [id, h] of this.peerHome) if (h.net === num) this.peerHome.delete(id);
  }

  private putApp(a: App): void {
    const prev = this.appHome.get(a.id);
    if (prev && (prev.net !== a.network_num || prev.name !== a.name.toLowerCase())) this.deleteApp(a);
    const v = this.view(a.network_num);
    const app = v.appNamed(a.name);
    app.known = true;
    app.privateNetwork = a.private_network;
    app.id = a.id;
    const hasChecks = appHasChecks(a);
    if (app.hasChecks !== hasChecks) {
      app.hasChecks = hasChecks;
      for (const slot of v.table.slotsOf(app)) setServing(v.table, slot, app);
      v.changed('instances');
    }
    const svc = a.service_address ? tryParseIPv6(a.service_address) : undefined;
    app.service = svc === undefined ? undefined : singleAaaa(ipv6ToBytes(svc));
    app.changed();
    v.changed('apps');
    this.appHome.set(a.id, { net: a.network_num, name: app.name });
  }

  private deleteApp(a: App): void {
    const home = this.appHome.get(a.id) ?? { net: a.network_num, name: a.name.toLowerCase() };
    this.appHome.delete(a.id);
    const v = this.networks.get(home.net);
    const app = v?.apps.get(home.name);
    if (!v || !app || app.id !== a.id) return;
    app.known = false;
    app.privateNetwork = false;
    app.service = undefined;
    app.changed();
    v.changed('apps');
    v.dropIfUnused(app);
  }

  /** The app an instance belongs to: `Instance.app` is the app's name, or its id. */
  private appNameOf(i: Instance): string {
    const byId = this.appHome.get(i.app);
    return byId && byId.net === i.network_num ? byId.name : i.app;
  }

  private putInstance(i: Instance): void {
    const v = this.view(i.network_num);
    const t = v.table;
    const app = v.appNamed(this.appNameOf(i));
    let slot = t.find(i.id);
    if (slot < 0) {
      slot = t.insert(i.id);
      t.app[slot] = app.index;
      t.link(slot, app);
    } else if (t.app[slot] !== app.index) {
      const old = v.appAtIndex(t.app[slot]!);
      if (old) {
        t.unlink(slot, old);
        old.changed();
        v.dropIfUnused(old);
      }
      t.app[slot] = app.index;
      t.link(slot, app);
    }
    t.region[slot] = this.regions.intern(i.region);
    const addr = addressBytes(i.address);
    if (addr) t.addr.set(addr, slot * 16);
    t.flags[slot] =
      (i.state === 'started' ? STATE_STARTED : 0) |
      (i.health === 'passing' ? PASSING : 0) |
      (addr ? HAS_ADDR : 0);
    setServing(t, slot, app);
    app.changed();
    v.changed('instances');
  }

  private deleteInstance(i: Instance): void {
    const v = this.networks.get(i.network_num);
    if (!v) return;
    const t = v.table;
    const slot = t.find(i.id);
    if (slot < 0) return;
    const app = v.appAtIndex(t.app[slot]!);
    if (app) {
      t.unlink(slot, app);
      app.changed();
    }
    t.remove(slot);
    if (app) v.dropIfUnused(app);
    v.changed('instances');
  }

  private putPeer(p: Peer): void {
    this.deletePeer(p);
    const v = this.view(p.network_num);
    const addr = addressBytes(p.address);
    const key = p.name.toLowerCase();
    v.peers.set(key, { id: p.id, name: p.name, answer: addr ? singleAaaa(addr) : NODATA });
    v.changed('peers');
    this.peerHome.set(p.id, { net: p.network_num, key });
  }

  private deletePeer(p: Peer): void {
    const home = this.peerHome.get(p.id);
    if (!home) return;
    this.peerHome.delete(p.id);
    const v = this.networks.get(home.net);
    if (v && v.peers.get(home.key)?.id === p.id) {
      v.peers.delete(home.key);
      v.changed('peers');
    }
  }
}
