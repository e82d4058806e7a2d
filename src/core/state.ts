// An in-memory copy of the watched state: a Snapshot kept current by applying watch-stream Changes in order.
// Pure and generic: host agents, gateways and the DNS server keep their local copy with it.

import { type Change, type EntityKind, type EntityOf, entityId, type Peer, type Snapshot } from './model.ts';

const KINDS: readonly EntityKind[] = ['org', 'network', 'region', 'host', 'app', 'instance', 'peer'];
const FIELD = {
  org: 'orgs',
  network: 'networks',
  region: 'regions',
  host: 'hosts',
  app: 'apps',
  instance: 'instances',
  peer: 'peers',
} as const satisfies Record<EntityKind, keyof Omit<Snapshot, 'revision'>>;

type Tables = { [K in EntityKind]: Map<string, EntityOf[K]> };

/**
 * The state at one revision. `applyChange` ignores changes at or below the current revision, so replaying an
 * overlap after a reconnect is harmless. Not re-entrant; one owner mutates it on one event loop.
 */
export class LocalState {
  private rev = 0;
  private readonly tables: Tables = {
    org: new Map(),
    network: new Map(),
    region: new Map(),
    host: new Map(),
    app: new Map(),
    instance: new Map(),
    peer: new Map(),
  };
  /**
   * Peers counted by gateway, gateway number and network number, kept as peers come and go: which networks a
   * gateway has peers in is asked on every change (mesh slots, a gateway's infrastructure), with thousands of peers.
   */
  private readonly peerSlots = new Map<string, Map<number, Map<number, number>>>();

  constructor(snapshot?: Snapshot) {
    if (snapshot) this.applySnapshot(snapshot);
  }

  get revision(): number {
    return this.rev;
  }

  /** Replaces everything (first load and resync). */
  applySnapshot(s: Snapshot): void {
    for (const kind of KINDS) {
      const table = this.tables[kind] as Map<string, EntityOf[EntityKind]>;
      table.clear();
      for (const obj of s[FIELD[kind]]) table.set(entityId(kind, obj as { id?: string; code?: string }), obj);
    }
    this.peerSlots.clear();
    for (const p of this.tables.peer.values()) this.countPeer(p, 1);
    this.rev = s.revision;
  }

  /** Applies one committed change; false when it was already applied (rev ≤ revision). */
  applyChange(c: Change): boolean {
    if (c.rev <= this.rev) return false;
    const table = this.tables[c.kind] as Map<string, EntityOf[EntityKind]>;
    if (c.kind === 'peer') {
      const old = this.tables.peer.get(c.id);
      if (old) this.countPeer(old, -1);
      if (c.op === 'put') this.countPeer(c.obj, 1);
    }
    if (c.op === 'put') table.set(c.id, c.obj);
    else table.delete(c.id);
    this.rev = c.rev;
    return true;
  }

  /** Moves the revision forward without a change (a heartbeat: nothing visible changed up to `rev`). */
  advance(rev: number): void {
    if (rev > this.rev) this.rev = rev;
  }

  get<K extends EntityKind>(kind: K, id: string): EntityOf[K] | undefined {
    return this.tables[kind].get(id);
  }

  all<K extends EntityKind>(kind: K): EntityOf[K][] {
    return [...this.tables[kind].values()];
  }

  /**
   * The networks gateway `gateway` has peers in, ascending; with `gatewayNum`, only of peers whose record gives
   * the gateway that number. Costs the number of networks, not of peers.
   */
  peerNetworks(gateway: string, gatewayNum?: number): number[] {
    const nets = new Set<number>();
    for (const [num, m] of this.peerSlots.get(gateway) ?? []) {
      if (gatewayNum === undefined || num === gatewayNum) for (const n of m.keys()) nets.add(n);
    }
    return [...nets].sort((a, b) => a - b);
  }

  private countPeer(p: Peer, d: 1 | -1): void {
    const byNum = this.peerSlots.get(p.gateway) ?? new Map<number, Map<number, number>>();
    this.peerSlots.set(p.gateway, byNum);
    const byNet = byNum.get(p.gateway_num) ?? new Map<number, number>();
    byNum.set(p.gateway_num, byNet);
    const n = (byNet.get(p.network_num) ?? 0) + d;
    if (n > 0) byNet.set(p.network_num, n);
    else {
      byNet.delete(p.network_num);
      if (byNet.size === 0) byNum.delete(p.gateway_num);
      if (byNum.size === 0) this.peerSlots.delete(p.gateway);
    }
  }

  /** The state as a Snapshot (fresh arrays; the objects are shared, treat them as read-only). */
  snapshot(): Snapshot {
    return {
      revision: this.rev,
      orgs: this.all('org'),
      networks: this.all('network'),
      regions: this.all('region'),
      hosts: this.all('host'),
      apps: this.all('app'),
      instances: this.all('instance'),
      peers: this.all('peer'),
    };
  }
}
