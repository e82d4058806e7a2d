// The control plane's store: the only writer of sixpn state. Every mutation commits one or more change-log
// entries with strictly increasing revisions in the same transaction. Implemented over Kysely for SQLite
// (embedded default) and PostgreSQL (shared by several control-plane replicas).

import type { JoinToken } from '../../core/join-token.ts';
import type {
  App,
  Change,
  Check,
  CheckStatus,
  Host,
  HostGrant,
  HostRole,
  Instance,
  Network,
  Org,
  Peer,
  PeerStatus,
  Region,
  Snapshot,
  Token,
  TokenKind,
} from '../../core/model.ts';
import type { UsageReport } from '../../core/usage/delta.ts';
import type { UsageQuery, UsageRetention, UsageRow } from '../../core/usage/query.ts';

export type { CheckReport } from './checks.ts';

import type { CheckReport } from './checks.ts';
import type { UsageAdded } from './usage.ts';

export interface CreateRegion {
  code: string;
  name: string;
  lat: number;
  lon: number;
}

export interface CreateHost {
  name: string;
  region: string;
  role: HostRole;
}

/** What an agent or gateway reports when it starts: its keys and endpoints. */
export interface RegisterHost {
  endpoint: string;
  mesh_key: string;
  peer_key?: string | null;
  peer_endpoint?: string | null;
}

export interface CreateApp {
  org: string;
  name: string;
  /** Network name; `default` when omitted. */
  network?: string;
  private_network: boolean;
  /** Canonical checks (src/core/checks.ts `parseChecks`); none when omitted. */
  checks?: Check[];
  /** Give the app a service address (needs private networking). */
  service_address?: boolean;
}

/** What `updateApp` changes; an absent field stays as it is. */
export interface UpdateApp {
  checks?: Check[];
  /** true: a service address (kept when it has one); false: none (its number is not reused). */
  service_address?: boolean;
}

export interface CreateInstance {
  org: string;
  app: string;
  region: string;
  /** Pin to a host instead of the least-loaded one of the region. */
  host?: string;
  /** Initial state; `started` when omitted. */
  state?: 'started' | 'stopped';
}

export interface CreatePeer {
  org: string;
  network: string;
  name: string;
  region: string;
  public_key: string;
}

export interface CreateToken {
  kind: TokenKind;
  name: string;
  org?: string | null;
  network?: string | null;
  host?: string | null;
  expires_at?: string | null;
}

export interface CreateJoinToken {
  region: string;
  role: HostRole;
  /** How many hosts may join with it (1: single use). */
  uses: number;
  expires_at: string;
}

/** A join: the join token (its id and the hash of its secret) and what the new host registers. */
export interface JoinHost extends RegisterHost {
  id: string;
  hash: string;
  name: string;
  /** Take the place of an existing host of that name (same role and region). */
  replace?: boolean;
}

/** A console session as stored: hashes only (the cookie's secret and the API token's secret are never kept). */
export interface ConsoleSession {
  hash: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
}

/** A token row with its hash, for authentication only; never returned by the API. */
export interface TokenRecord extends Token {
  hash: string;
}

export interface InstanceFilter {
  org?: string;
  app?: string;
  host?: string;
  region?: string;
}

/** Filter for snapshots and change reads: an org-scoped caller sees only its org (plus regions and hosts). */
export interface Scope {
  org?: string;
}

export interface ChangePage {
  changes: Change[];
  /** The newest committed revision at the time of the read. */
  head: number;
}

/** The answer a create gave, kept under its Idempotency-Key. */
export interface IdempotentAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** What claiming an Idempotency-Key found. */
export type IdempotencyClaim =
  | { state: 'claimed' }
  | ({ state: 'done' } & IdempotentAnswer)
  | { state: 'running' }
  | { state: 'mismatch' };

/**
 * An Idempotency-Key kept in the commit of the create it guards (`createInstanceKeyed`): no claim before and no
 * finish after. The answer kept is `status`, `contentType` and the made object's JSON.
 */
export interface KeyedWrite {
  key: string;
  /** The request body's hash: the same key with another body is a mismatch. */
  request: string;
  /** A key kept before this counts as absent. */
  expiredBefore: Date;
  status: number;
  contentType: string;
}

/** A keyed create: what it made, or (nothing made) what the key already holds. */
export type KeyedResult<T> = { made: T } | { claim: Exclude<IdempotencyClaim, { state: 'claimed' }> };

/**
 * The store. Every method is one transaction. Mutations return the new object and commit its change entry.
 * Not-found, conflicts and bad references throw `SixpnError` (`not_found`, `already_exists`,
 * `failed_precondition`, `invalid_argument`).
 */
export interface Store {
  // organizations (creating one also creates its `default` network)
  createOrg(name: string): Promise<Org>;
  listOrgs(scope?: Scope): Promise<Org[]>;
  getOrg(name: string): Promise<Org>;
  /** Deletes the org and everything it owns (networks, apps, instances, peers, tokens), one change each. */
  deleteOrg(name: string): Promise<void>;

  createNetwork(org: string, name: string): Promise<Network>;
  listNetworks(org?: string): Promise<Network[]>;
  getNetwork(org: string, name: string): Promise<Network>;
  /** Fails with `failed_precondition` while apps or peers use it. `default` cannot be deleted. */
  deleteNetwork(org: string, name: string): Promise<void>;

  createRegion(r: CreateRegion): Promise<Region>;
  listRegions(): Promise<Region[]>;
  getRegion(code: string): Promise<Region>;
  /** Fails with `failed_precondition` while hosts are in it. */
  deleteRegion(code: string): Promise<void>;

  createHost(h: CreateHost): Promise<Host>;
  listHosts(role?: HostRole): Promise<Host[]>;
  getHost(name: string): Promise<Host>;
  /** Sets keys and endpoints; idempotent (no change entry when nothing differs). */
  registerHost(name: string, r: RegisterHost): Promise<Host>;
  /** Fails with `failed_precondition` while instances or peers are on it. */
  deleteHost(name: string): Promise<void>;

  /** Lets a host place instances of an org (one network, or all) on itself; idempotent. */
  allowHost(host: string, org: string, network?: string): Promise<HostGrant>;
  /** Removes exactly that grant (no network: the org-wide one); idempotent. */
  disallowHost(host: string, org: string, network?: string): Promise<void>;
  listHostGrants(host?: string): Promise<HostGrant[]>;
  /** Whether a grant lets `host` place instances in `org`'s `network`. */
  hostMayPlace(host: string, org: string, network: string): Promise<boolean>;

  createApp(a: CreateApp): Promise<App>;
  listApps(org?: string): Promise<App[]>;
  getApp(org: string, name: string): Promise<App>;
  /** Changes settings (new checks apply to its running instances at once); idempotent. */
  updateApp(org: string, name: string, u: UpdateApp): Promise<App>;
  /** Deletes the app and its instances. */
  deleteApp(org: string, name: string): Promise<void>;

  /** Places the instance on the least-loaded host of the region and allocates its address. */
  createInstance(i: CreateInstance): Promise<Instance>;
  /**
   * `createInstance` under an Idempotency-Key kept in the same commit: a key that holds an answer (or another
   * request) makes nothing and says so; a failed create keeps nothing. Concurrent creates with one key make one
   * instance, and the others get its answer.
   */
  createInstanceKeyed(i: CreateInstance, k: KeyedWrite): Promise<KeyedResult<Instance>>;
  listInstances(f?: InstanceFilter): Promise<Instance[]>;
  getInstance(id: string): Promise<Instance>;
  /** Idempotent: setting the state it already has commits nothing. A change clears the instance's health. */
  setInstanceState(id: string, state: 'started' | 'stopped'): Promise<Instance>;
  deleteInstance(id: string): Promise<void>;

  /**
   * A host's check transitions (see checks.ts): `not_found` naming the first instance that is not on `host`,
   * and nothing written. A verdict that moves is a change of the instance. Returns how many moved.
   */
  reportChecks(host: string, items: readonly CheckReport[]): Promise<{ changed: number }>;
  /** The last status of each check, failing first; filters combine. */
  listCheckStatus(f?: { org?: string; app?: string; instance?: string }): Promise<CheckStatus[]>;

  /** Picks the least-loaded gateway of the region and allocates the peer's /120 in its slot. */
  createPeer(p: CreatePeer): Promise<Peer>;
  listPeers(f?: { org?: string; network?: string; gateway?: string }): Promise<Peer[]>;
  getPeer(org: string, name: string): Promise<Peer>;
  deletePeer(org: string, name: string): Promise<void>;
  /**
   * Upserts a gateway's view of its peers; no revision. Each entry's `peer` is the peer's id or public key;
   * entries for peers not (or no longer) on that gateway are ignored.
   */
  reportPeerStatus(gateway: string, statuses: Omit<PeerStatus, 'reported_at'>[]): Promise<void>;
  /** The latest reports for the org's peers (or one peer); here `peer` is the peer's name. */
  listPeerStatus(org: string, name?: string): Promise<PeerStatus[]>;

  /**
   * Applies a host's usage report once per `(host, epoch, seq)` (`applied: false` for one seen before); no
   * revision. `not_found` when an item's instance is not on that host (then nothing is stored). `added`: what
   * this call stored per org (by name), scope and direction; empty unless `applied`.
   */
  applyUsageReport(host: string, report: UsageReport): Promise<{ applied: boolean; added: UsageAdded[] }>;
  /** An org's usage rows for a checked query (bucket start, group key, sums). */
  usageRows(org: string, q: UsageQuery, retention?: UsageRetention): Promise<UsageRow[]>;
  /** Bytes sent and received per org over the kept days. */
  usageTotals(): Promise<{ org: string; tx_bytes: number; rx_bytes: number }[]>;
  /** Drops usage older than the retention; returns the bucket rows dropped. */
  pruneUsage(retention?: UsageRetention): Promise<number>;

  /** Stores only `hash` (the caller hashes the secret). */
  createToken(t: CreateToken, hash: string): Promise<Token>;
  listTokens(f?: { org?: string; kind?: TokenKind }): Promise<Token[]>;
  getTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  deleteToken(id: string): Promise<void>;

  /** Stores only `hash`; the store picks the id (part of the token's text). */
  createJoinToken(t: CreateJoinToken, hash: string): Promise<JoinToken>;
  listJoinTokens(): Promise<JoinToken[]>;
  /** Marks it revoked (it stays listed); idempotent. */
  revokeJoinToken(id: string): Promise<JoinToken>;
  /**
   * Consumes one use of a join token and creates (or with `replace`, takes over) and registers the host, storing
   * `hostTokenHash` as its token. Refused (used, expired, revoked, unknown token; a taken name): nothing changes.
   */
  joinHost(j: JoinHost, hostTokenHash: string): Promise<{ host: Host; token: Token }>;
  /** Replaces every token of the host or gateway `name` with one whose secret hashes to `hash`. */
  rotateHostToken(name: string, role: HostRole, hash: string): Promise<Token>;
  /** Console sessions (no revision: not state anyone watches). Also drops sessions expired at `created_at`. */
  createSession(s: ConsoleSession): Promise<void>;
  /** The session with this hash that has not expired at `now`, or undefined. */
  getSession(hash: string, now: Date): Promise<ConsoleSession | undefined>;
  /** Idempotent: deleting a session that is gone does nothing. */
  deleteSession(hash: string): Promise<void>;

  /** The whole state the scope may see, consistent at one revision. */
  snapshot(scope?: Scope): Promise<Snapshot>;
  /**
   * The same snapshot as JSON text in chunks (joined: `JSON.stringify(await snapshot(scope))`), read at one
   * revision a page at a time as the chunks are taken, never the whole state at once; `GET /v1/snapshot`
   * streams it. A slow reader blocks no writer; ending the iteration early ends the read.
   */
  snapshotJson(scope?: Scope): AsyncIterable<string>;
  /**
   * Changes with revision > `since`, oldest first, at most `limit` (1–10000), read at one consistent point.
   * Fewer than `limit` back means the caller has seen all it may see up to `head`. Throws `resync_required`
   * when `since` is older than the retained history, or newer than the head (the database was replaced).
   */
  changesSince(since: number, limit: number, scope?: Scope): Promise<ChangePage>;
  headRevision(): Promise<number>;
  /** Drops change entries older than the newest `keep`; returns how many were dropped. */
  pruneChanges(keep: number): Promise<number>;

  /** Idempotency keys of creates (store/idempotency.ts): claim before the create, finish or release after. */
  claimIdempotencyKey(key: string, request: string, expiredBefore: Date): Promise<IdempotencyClaim>;
  finishIdempotencyKey(key: string, answer: IdempotentAnswer): Promise<void>;
  releaseIdempotencyKey(key: string): Promise<void>;
  pruneIdempotencyKeys(before: Date): Promise<number>;

  /**
   * Called after every local commit that wrote changes, with the new head revision; on PostgreSQL also for
   * commits of other replicas (LISTEN/NOTIFY). Heads arrive increasing, each at most once; a listener should
   * read `changesSince` rather than assume one call per revision. Some local commits (PostgreSQL instance
   * creations) also give `changes`: every change with a revision from `changes[0].rev` to `head`, as
   * `changesSince` would read them, so a listener that has seen up to `changes[0].rev - 1` need not read.
   * Returns the unsubscribe function.
   */
  onCommit(listener: (head: number, changes?: readonly Change[]) => void): () => void;
  close(): Promise<void>;
}
