// The Store over Kysely: one class that holds the connection, the injected clock and randomness, and the
// commit listeners, and delegates each operation to the module of its entity.

import type { Kysely } from 'kysely';
import type { Change, HostRole, PeerStatus, TokenKind } from '../../core/model.ts';
import type { UsageReport } from '../../core/usage/delta.ts';
import type { UsageQuery, UsageRetention } from '../../core/usage/query.ts';
import * as apps from './apps.ts';
import * as log from './changes.ts';
import * as checks from './checks.ts';
import { pgCreations } from './create-batch-pg.ts';
import * as fleet from './fleet.ts';
import * as grants from './grants.ts';
import * as idem from './idempotency.ts';
import * as instances from './instances.ts';
import * as joins from './join-tokens.ts';
import * as orgs from './orgs.ts';
import * as peers from './peers.ts';
import { hostByName, orgByName, peerByName, regionByCode } from './queries.ts';
import type { Database } from './schema.ts';
import * as sessions from './sessions.ts';
import * as snap from './snapshot.ts';
import type * as S from './store.ts';
import * as tokens from './tokens.ts';
import * as usage from './usage.ts';
import type { StoreContext } from './write.ts';

export type StoreSettings = Omit<StoreContext, 'db' | 'committed' | 'pgCreations'>;

export class KyselyStore implements S.Store {
  readonly #ctx: StoreContext;
  readonly #listeners = new Set<(head: number, changes?: readonly Change[]) => void>();
  #lastHead = 0;
  /** Local writes in flight, and the heads heard meanwhile. */
  #writes = 0;
  #heardHeads: number[] = [];
  #closers: (() => Promise<void>)[] = [];
  #closed: Promise<void> | undefined;

  constructor(db: Kysely<Database>, settings: StoreSettings) {
    const committed = (head: number, changes?: readonly Change[]) => {
      this.#ctx.pgCreations?.cache.committed(head, changes);
      this.notify(head, changes);
    };
    this.#ctx = {
      ...settings,
      db,
      committed,
      ...(settings.dialect === 'postgres'
        ? { pgCreations: pgCreations(db, { committed, writing: () => this.#writing() }) }
        : {}),
    };
    this.#closers.push(() => db.destroy());
  }

  /** Runs `close` (first) when the store closes, e.g. the LISTEN connection. */
  addCloser(close: () => Promise<void>): void {
    this.#closers.unshift(close);
  }

  /**
   * Tells the listeners that the head moved to `head`, with the changes up to it when a local commit knows them
   * (deduplicated: each head is told once, in order).
   */
  notify(head: number, changes?: readonly Change[]): void {
    if (head <= this.#lastHead) return;
    this.#lastHead = head;
    for (const l of this.#listeners) {
      try {
        l(head, changes);
      } catch (e) {
        this.#ctx.logger.error({ err: (e as Error).message }, 'store commit listener threw');
      }
    }
  }

  createOrg = (name: string) => orgs.createOrg(this.#ctx, name);
  listOrgs = (scope: S.Scope = {}) => orgs.listOrgs(this.#ctx, scope.org);
  getOrg = (name: string) => orgByName(this.#ctx.db, name);
  deleteOrg = (name: string) => orgs.deleteOrg(this.#ctx, name);

  createNetwork = (org: string, name: string) => orgs.createNetwork(this.#ctx, org, name);
  listNetworks = (org?: string) => orgs.listNetworks(this.#ctx, org);
  getNetwork = (org: string, name: string) => orgs.getNetwork(this.#ctx, org, name);
  deleteNetwork = (org: string, name: string) => orgs.deleteNetwork(this.#ctx, org, name);

  createRegion = (r: S.CreateRegion) => fleet.createRegion(this.#ctx, r);
  listRegions = () => fleet.listRegions(this.#ctx);
  getRegion = (code: string) => regionByCode(this.#ctx.db, code);
  deleteRegion = (code: string) => fleet.deleteRegion(this.#ctx, code);

  createHost = (h: S.CreateHost) => fleet.createHost(this.#ctx, h);
  listHosts = (role?: HostRole) => fleet.listHosts(this.#ctx, role);
  getHost = (name: string) => hostByName(this.#ctx.db, name);
  registerHost = (name: string, r: S.RegisterHost) => fleet.registerHost(this.#ctx, name, r);
  deleteHost = (name: string) => fleet.deleteHost(this.#ctx, name);

  allowHost = (host: string, org: string, network?: string) =>
    grants.allowHost(this.#ctx, host, org, network);
  disallowHost = (host: string, org: string, network?: string) =>
    grants.disallowHost(this.#ctx, host, org, network);
  listHostGrants = (host?: string) => grants.listHostGrants(this.#ctx, host);
  hostMayPlace = (host: string, org: string, network: string) =>
    grants.hostMayPlace(this.#ctx, host, org, network);

  createApp = (a: S.CreateApp) => apps.createApp(this.#ctx, a);
  updateApp = (org: string, name: string, u: S.UpdateApp) => apps.updateApp(this.#ctx, org, name, u);
  listApps = (org?: string) => apps.listApps(this.#ctx, org);
  getApp = (org: string, name: string) => apps.getApp(this.#ctx, org, name);
  deleteApp = (org: string, name: string) => apps.deleteApp(this.#ctx, org, name);

  createInstance = (i: S.CreateInstance) => instances.createInstance(this.#ctx, i);
  createInstanceKeyed = (i: S.CreateInstance, k: S.KeyedWrite) =>
    instances.createInstanceKeyed(this.#ctx, i, k);
  listInstances = (f?: S.InstanceFilter) => instances.listInstances(this.#ctx, f);
  getInstance = (id: string) => instances.getInstance(this.#ctx, id);
  setInstanceState = (id: string, state: 'started' | 'stopped') =>
    instances.setInstanceState(this.#ctx, id, state);
  deleteInstance = (id: string) => instances.deleteInstance(this.#ctx, id);
  reportChecks = (host: string, items: readonly S.CheckReport[]) =>
    checks.reportChecks(this.#ctx, host, items);
  listCheckStatus = (f?: { org?: string; app?: string; instance?: string }) =>
    checks.listCheckStatus(this.#ctx, f);

  createPeer = (p: S.CreatePeer) => peers.createPeer(this.#ctx, p);
  listPeers = (f?: { org?: string; network?: string; gateway?: string }) => peers.listPeers(this.#ctx, f);
  getPeer = (org: string, name: string) => peerByName(this.#ctx.db, org, name);
  deletePeer = (org: string, name: string) => peers.deletePeer(this.#ctx, org, name);
  reportPeerStatus = (gateway: string, statuses: Omit<PeerStatus, 'reported_at'>[]) =>
    peers.reportPeerStatus(this.#ctx, gateway, statuses);
  listPeerStatus = (org: string, name?: string) => peers.listPeerStatus(this.#ctx, org, name);

  applyUsageReport = (host: string, r: UsageReport) => usage.applyUsageReport(this.#ctx, host, r);
  usageRows = async (org: string, q: UsageQuery, retention?: UsageRetention) =>
    usage.usageRows(this.#ctx, (await orgByName(this.#ctx.db, org)).id, q, retention);
  usageTotals = () => usage.usageTotals(this.#ctx);
  pruneUsage = (retention?: UsageRetention) => usage.pruneUsage(this.#ctx, retention);

  createToken = (t: S.CreateToken, hash: string) => tokens.createToken(this.#ctx, t, hash);
  listTokens = (f?: { org?: string; kind?: TokenKind }) => tokens.listTokens(this.#ctx, f);
  getTokenByHash = (hash: string) => tokens.getTokenByHash(this.#ctx, hash);
  deleteToken = (id: string) => tokens.deleteToken(this.#ctx, id);

  createJoinToken = (t: S.CreateJoinToken, hash: string) => joins.createJoinToken(this.#ctx, t, hash);
  listJoinTokens = () => joins.listJoinTokens(this.#ctx);
  revokeJoinToken = (id: string) => joins.revokeJoinToken(this.#ctx, id);
  joinHost = (j: S.JoinHost, hash: string) => joins.joinHost(this.#ctx, j, hash);
  rotateHostToken = (name: string, role: HostRole, hash: string) =>
    joins.rotateHostToken(this.#ctx, name, role, hash);
  createSession = (s: S.ConsoleSession) => sessions.createSession(this.#ctx, s);
  getSession = (hash: string, now: Date) => sessions.getSession(this.#ctx, hash, now);
  deleteSession = (hash: string) => sessions.deleteSession(this.#ctx, hash);

  snapshot = (scope?: S.Scope) => snap.snapshot(this.#ctx, scope);
  snapshotJson = (scope?: S.Scope) => snap.snapshotJson(this.#ctx, scope);
  changesSince = (since: number, limit: number, scope?: S.Scope) =>
    log.changesSince(this.#ctx, since, limit, scope);
  headRevision = () => log.headRevision(this.#ctx);
  pruneChanges = (keep: number) => log.pruneChanges(this.#ctx, keep);

  claimIdempotencyKey = (key: string, request: string, expiredBefore: Date) =>
    idem.claimIdempotencyKey(this.#ctx, key, request, expiredBefore);
  finishIdempotencyKey = (key: string, answer: S.IdempotentAnswer) =>
    idem.finishIdempotencyKey(this.#ctx, key, answer);
  releaseIdempotencyKey = (key: string) => idem.releaseIdempotencyKey(this.#ctx, key);
  pruneIdempotencyKeys = (before: Date) => idem.pruneIdempotencyKeys(this.#ctx, before);

  /**
   * Tells a head heard from the database (LISTEN, or re-read after it reconnected). While a local write is in
   * flight it is held back until the write has ended: the commit of that write (whose NOTIFY may come first) is
   * then told by the write itself, with its changes, so listeners need not read them back, and the creations'
   * cache (create-cache-pg.ts) knows the NOTIFY for its own.
   */
  heard(head: number): void {
    if (this.#writes > 0) {
      this.#heardHeads.push(head);
      return;
    }
    this.#ctx.pgCreations?.cache.heard(head);
    this.notify(head);
  }

  /** A local write starts; the function returned ends it (once), telling the heads heard meanwhile. */
  #writing(): () => void {
    this.#writes++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#writes--;
      if (this.#writes > 0 || this.#heardHeads.length === 0) return;
      const heads = this.#heardHeads;
      this.#heardHeads = [];
      for (const h of heads) this.#ctx.pgCreations?.cache.heard(h);
      this.notify(Math.max(...heads));
    };
  }

  onCommit(listener: (head: number, changes?: readonly Change[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the LISTEN connection and the database; idempotent, and safe to call concurrently. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#listeners.clear();
      for (const c of this.#closers) await c();
    })();
    return this.#closed;
  }
}
