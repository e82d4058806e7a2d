// The wire types of sixpn's state: what the API returns, what the snapshot holds and what the watch stream carries.
// One definition (zod schemas) shared by the control plane, the CLI, the DNS server, agents and gateways.

import * as z from './zod.ts';

export const isoTime = z.string();

export const Org = z.object({
  id: z.string(),
  name: z.string(),
  created_at: isoTime,
});
export type Org = z.infer<typeof Org>;

export const Network = z.object({
  id: z.string(),
  org: z.string(),
  name: z.string(),
  /** The 32-bit network id of the address plan (bits 16–47). Never reused. */
  num: z.int(),
  /** The network's /48, e.g. `fdaa:0:18::/48`. */
  prefix: z.string(),
  /** The network's DNS and API address, `fdaa:N:N::3`. */
  dns: z.string(),
  created_at: isoTime,
});
export type Network = z.infer<typeof Network>;

export const Region = z.object({
  code: z.string(),
  name: z.string(),
  lat: z.number(),
  lon: z.number(),
  created_at: isoTime,
});
export type Region = z.infer<typeof Region>;

export const HostRole = z.enum(['host', 'gateway']);
export type HostRole = z.infer<typeof HostRole>;

/** A machine in one region: runs instances (role `host`) or terminates WireGuard peers (role `gateway`). */
export const Host = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  role: HostRole,
  /** The 32-bit host id of the address plan (bits 48–79). Never 0. */
  num: z.int(),
  /** Underlay endpoint of the host mesh, `IP:PORT`; null until the agent registers. */
  endpoint: z.nullable(z.string()),
  /** Public key (base64) of the host-mesh WireGuard interface; null until the agent registers. */
  mesh_key: z.nullable(z.string()),
  /** Gateways: public key (base64) of the peer-facing WireGuard interface. */
  peer_key: z.nullable(z.string()),
  /** Gateways: endpoint peers connect to, `HOST:PORT`. */
  peer_endpoint: z.nullable(z.string()),
  created_at: isoTime,
  registered_at: z.nullable(isoTime),
});
export type Host = z.infer<typeof Host>;

/** What a host may place on itself (`sixpn hosts allow`): an org's instances, of one network or (null) of all. */
export const HostGrant = z.object({
  host: z.string(),
  org: z.string(),
  network: z.nullable(z.string()),
  created_at: isoTime,
});
export type HostGrant = z.infer<typeof HostGrant>;

/** One health check of an app, canonical (src/core/checks.ts parses the input form). Times in ms. */
export const Check = z.object({
  /** Unique within the app (default `<type>-<port>`). */
  name: z.string(),
  type: z.enum(['tcp', 'http']),
  port: z.int(),
  /** http only: request path (starts with `/`), method, and the status range that passes. */
  path: z.optional(z.string()),
  method: z.optional(z.string()),
  status_min: z.optional(z.int()),
  status_max: z.optional(z.int()),
  interval_ms: z.int(),
  timeout_ms: z.int(),
  /** After an instance starts, failures within this time do not make it critical. */
  grace_period_ms: z.int(),
});
export type Check = z.infer<typeof Check>;

export const App = z.object({
  id: z.string(),
  org: z.string(),
  network: z.string(),
  /** Numeric id of the app's network, fixed at creation. */
  network_num: z.int(),
  name: z.string(),
  private_network: z.boolean(),
  /** Health checks its started instances get (absent in state saved before checks existed: none). */
  checks: z.optional(z.array(Check)),
  /** The app's load-balanced service address `fdaa:N:N:0:0:S:S:2` (name `svc.<app>.internal`), or null. */
  service_address: z._default(z.nullable(z.string()), null),
  created_at: isoTime,
});
export type App = z.infer<typeof App>;

/** The verdict of an instance's checks: all passing, or at least one critical. */
export const Health = z.enum(['passing', 'critical']);
export type Health = z.infer<typeof Health>;

export const InstanceState = z.enum(['started', 'stopped']);
export type InstanceState = z.infer<typeof InstanceState>;

export const Instance = z.object({
  /** 8 hex digits: the instance number of the address plan. */
  id: z.string(),
  app: z.string(),
  org: z.string(),
  network: z.string(),
  network_num: z.int(),
  region: z.string(),
  host: z.string(),
  host_num: z.int(),
  state: InstanceState,
  /** The instance's 6PN address (its /112 + 2), or null when the app has no private networking. */
  address: z.nullable(z.string()),
  /**
   * The verdict of its app's checks as its host last reported it; null (or absent) until every check has
   * spoken since the instance started. Only meaningful while the app has checks (src/core/serving.ts).
   */
  health: z.optional(z.nullable(Health)),
  created_at: isoTime,
  updated_at: isoTime,
});
export type Instance = z.infer<typeof Instance>;

export const Peer = z.object({
  id: z.string(),
  org: z.string(),
  network: z.string(),
  network_num: z.int(),
  name: z.string(),
  region: z.string(),
  gateway: z.string(),
  gateway_num: z.int(),
  /** The peer's WireGuard public key (base64). The private key never reaches the control plane. */
  public_key: z.string(),
  /** `<ip>` of the peer; its wg-quick Address line is `<ip>/120`. */
  address: z.string(),
  created_at: isoTime,
});
export type Peer = z.infer<typeof Peer>;

export const TokenKind = z.enum(['admin', 'org', 'peer', 'host', 'gateway']);
export type TokenKind = z.infer<typeof TokenKind>;

/** A token as listed: never the secret (shown once at creation) nor its hash. */
export const Token = z.object({
  id: z.string(),
  kind: TokenKind,
  name: z.string(),
  /** Org name for org and peer tokens. */
  org: z.nullable(z.string()),
  /** Network name for peer tokens limited to one network. */
  network: z.nullable(z.string()),
  /** Host or gateway name for host and gateway tokens. */
  host: z.nullable(z.string()),
  expires_at: z.nullable(isoTime),
  created_at: isoTime,
});
export type Token = z.infer<typeof Token>;

/** The entity kinds that the change log carries (tokens and live status are not state; they are not watched). */
export const EntityKind = z.enum(['org', 'network', 'region', 'host', 'app', 'instance', 'peer']);
export type EntityKind = z.infer<typeof EntityKind>;

export interface EntityOf {
  org: Org;
  network: Network;
  region: Region;
  host: Host;
  app: App;
  instance: Instance;
  peer: Peer;
}

/**
 * One committed change. `op: put` carries the object as it is after the change; `op: delete` carries it as it
 * was just before. `org` is the owning org's name (null for regions and hosts), for scoping what a caller sees.
 */
export type Change = {
  [K in EntityKind]: {
    rev: number;
    op: 'put' | 'delete';
    kind: K;
    id: string;
    org: string | null;
    obj: EntityOf[K];
  };
}[EntityKind];

export const ChangeSchema = z.object({
  rev: z.int(),
  op: z.enum(['put', 'delete']),
  kind: EntityKind,
  id: z.string(),
  org: z.nullable(z.string()),
  obj: z.record(z.string(), z.unknown()),
});

/** The whole state a caller may see, at one revision. */
export interface Snapshot {
  revision: number;
  orgs: Org[];
  networks: Network[];
  regions: Region[];
  hosts: Host[];
  apps: App[];
  instances: Instance[];
  peers: Peer[];
}

/** The id of an entity as the change log keys it (regions are keyed by code). */
export function entityId(kind: EntityKind, obj: { id?: string; code?: string }): string {
  return kind === 'region' ? (obj.code ?? '') : (obj.id ?? '');
}

/** The last result of one check of one instance, as its host reported it; not revisioned, not watched. */
export const CheckStatus = z.object({
  instance: z.string(),
  app: z.string(),
  org: z.string(),
  region: z.string(),
  host: z.string(),
  check: z.string(),
  status: Health,
  /** What the last run said (truncated to 512 bytes): `HTTP 503 in 3 ms`, `connect ECONNREFUSED`. */
  output: z.string(),
  /** When the host saw the transition. */
  since: isoTime,
});
export type CheckStatus = z.infer<typeof CheckStatus>;

/** Live status that agents and gateways report; not revisioned, not in the watch stream. */
export const PeerStatus = z.object({
  peer: z.string(),
  endpoint: z.nullable(z.string()),
  last_handshake: z.nullable(isoTime),
  rx_bytes: z.int(),
  tx_bytes: z.int(),
  installed_at: z.nullable(isoTime),
  reported_at: isoTime,
});
export type PeerStatus = z.infer<typeof PeerStatus>;
