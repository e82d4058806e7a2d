// The store's tables as Kysely sees them: one shape for SQLite and PostgreSQL (int8 read back as numbers,
// booleans as 0/1, timestamps as ISO-8601 text). Created by migrations.ts.

import type { Generated, Kysely } from 'kysely';
import type { Health, HostRole, InstanceState, TokenKind } from '../../core/model.ts';

/** Named counters: `revision` (head of the change log), `network` and `host` (last number handed out), `pruned` (newest dropped revision). */
export type CounterName = 'revision' | 'network' | 'host' | 'pruned';

export interface CountersTable {
  name: CounterName;
  value: number;
}

export interface OrgsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface NetworksTable {
  id: string;
  org_id: string;
  name: string;
  num: number;
  /** The last service number handed out in this network (0: none yet); never goes back. */
  service_seq: Generated<number>;
  created_at: string;
}

export interface RegionsTable {
  code: string;
  name: string;
  lat: number;
  lon: number;
  created_at: string;
}

/** Hosts and gateways share one table and one number sequence (a host number is a slot in every network). */
export interface HostsTable {
  id: string;
  name: string;
  region: string;
  role: HostRole;
  num: number;
  endpoint: string | null;
  mesh_key: string | null;
  peer_key: string | null;
  peer_endpoint: string | null;
  created_at: string;
  registered_at: string | null;
}

export interface AppsTable {
  id: string;
  org_id: string;
  network_id: string;
  name: string;
  /** 0 or 1. */
  private_network: number;
  /** JSON array of canonical checks (model.ts `Check`); `[]` without. Migration 0005. */
  checks: string;
  /** The app's service number in its network, or null; unique with network_id. */
  service_num: number | null;
  /** `serviceAddress(plan, network, service_num)` as text, or null. */
  service_address: string | null;
  created_at: string;
}

export interface InstancesTable {
  /** `instanceIdOf(num)`. */
  id: string;
  num: number;
  app_id: string;
  org_id: string;
  network_id: string;
  host_id: string;
  state: InstanceState;
  address: string | null;
  /** The verdict of its checks; null until every check spoke since it started. Migration 0005. */
  health: Health | null;
  created_at: string;
  updated_at: string;
}

/** How many instances run on each host (and gateway): kept by triggers on `instances`. Migration 0011. */
export interface HostLoadsTable {
  host_id: string;
  instances: number;
}

/** The last status of one check of one instance, as its host reported it (not revisioned). Migration 0005. */
export interface CheckStatusTable {
  instance_id: string;
  name: string;
  status: Health;
  /** Truncated to 512 bytes. */
  output: string;
  /** When the host saw the transition. */
  since: string;
}

export interface PeersTable {
  id: string;
  org_id: string;
  network_id: string;
  gateway_id: string;
  name: string;
  /** The peer's /120 index inside its gateway's slot of the network. */
  idx: number;
  public_key: string;
  address: string;
  created_at: string;
}

export interface TokensTable {
  id: string;
  kind: TokenKind;
  name: string;
  org_id: string | null;
  /** Network name inside the org, for peer tokens limited to one network. */
  network: string | null;
  /** Host or gateway name, for host and gateway tokens. */
  host: string | null;
  hash: string;
  expires_at: string | null;
  created_at: string;
}

/** Join tokens (`sixpn hosts join-token create`); `used` counts the hosts that joined with it, up to `uses`. */
export interface JoinTokensTable {
  id: string;
  hash: string;
  region: string;
  role: HostRole;
  uses: number;
  used: number;
  expires_at: string;
  revoked_at: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface HostGrantsTable {
  id: string;
  host_id: string;
  org_id: string;
  /** Null: every network of the org. */
  network_id: string | null;
  created_at: string;
}

export interface PeerStatusTable {
  peer_id: string;
  gateway_id: string;
  endpoint: string | null;
  last_handshake: string | null;
  rx_bytes: number;
  tx_bytes: number;
  installed_at: string | null;
  reported_at: string;
}

/** A create's Idempotency-Key (0009_idempotency): claimed before the create runs, its answer kept after. */
export interface IdempotencyKeysTable {
  /** SHA-256 of the caller's token id, the method, the path and the header's value. */
  key: string;
  /** SHA-256 of the request body: the same key with another body is refused. */
  request: string;
  /** The answer's status; null while the create runs. */
  status: number | null;
  body: string | null;
  content_type: string | null;
  created_at: string;
}

export interface ChangesTable {
  rev: number;
  op: 'put' | 'delete';
  kind: string;
  id: string;
  org: string | null;
  /** The object as JSON. */
  obj: string;
}

/** One applied usage report of a host: `(host_id, epoch, seq)` is applied once. */
export interface UsageReportsTable {
  host_id: string;
  epoch: string;
  seq: number;
  applied_at: string;
}

/** Private traffic summed per bucket (`t`: its start, unix seconds) and key; one table per granularity. */
export interface UsageBucketTable {
  t: number;
  org_id: string;
  network: string;
  app: string;
  /** The peer's name for a gateway's counts; '' for an instance's. */
  peer: string;
  scope: string;
  src_region: string;
  dst_region: string;
  tx_bytes: number;
  tx_packets: number;
  rx_bytes: number;
  rx_packets: number;
}

/** A console sign-in: the SHA-256 of its cookie secret, and of the API token it was exchanged for. */
export interface ConsoleSessionsTable {
  hash: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
}

export interface Database {
  usage_reports: UsageReportsTable;
  usage_report_floors: Omit<UsageReportsTable, 'applied_at'>;
  usage_minute: UsageBucketTable;
  usage_hour: UsageBucketTable;
  usage_day: UsageBucketTable;
  counters: CountersTable;
  orgs: OrgsTable;
  networks: NetworksTable;
  regions: RegionsTable;
  hosts: HostsTable;
  apps: AppsTable;
  instances: InstancesTable;
  peers: PeersTable;
  tokens: TokensTable;
  join_tokens: JoinTokensTable;
  host_grants: HostGrantsTable;
  peer_status: PeerStatusTable;
  check_status: CheckStatusTable;
  changes: ChangesTable;
  console_sessions: ConsoleSessionsTable;
  idempotency_keys: IdempotencyKeysTable;
  host_loads: HostLoadsTable;
}

/** A connection pool or an open transaction (a `Transaction` is a `Kysely`): what query helpers run on. */
export type Db = Kysely<Database>;
