// Typed client of the sixpn HTTP API v1 (src/control/API.md), used by the CLI, the DNS server, host agents and
// gateways. Every failure is a SixpnError carrying the server's code and message.

import type { Health, Snapshot } from '../core/model.ts';
import type { UsageReport } from '../core/usage/delta.ts';
import * as z from '../core/zod.ts';
import { Http, type HttpOptions, type HttpResponse } from './http.ts';
import {
  AppL,
  CheckStatusL,
  CreatedGateway,
  CreatedHost,
  CreatedJoinToken,
  CreatedPeer,
  CreatedToken,
  HostGrantL,
  HostL,
  InstanceL,
  Joined,
  JoinTokenL,
  listOf,
  NetworkL,
  OrgL,
  PeerL,
  PeerStatusView,
  RegionL,
  SnapshotSchema,
  TokenL,
  UsageView,
  Whoami,
} from './schemas.ts';
import { type WatchEvent, type WatchOptions, watchChanges } from './watch.ts';

export type ApiClientOptions = HttpOptions;

/** One check transition a host agent reports. */
export interface CheckReport {
  instance: string;
  check: string;
  status: Health;
  output: string;
}

const seg = encodeURIComponent;
type Signal = AbortSignal | undefined;

export interface InstanceFilter {
  org?: string | undefined;
  app?: string | undefined;
  host?: string | undefined;
  region?: string | undefined;
}

export interface CreateTokenBody {
  kind: 'admin' | 'org' | 'peer';
  name: string;
  org?: string;
  network?: string;
  /** `24h`, `30d`, or seconds. */
  expires_in?: string | number;
}

export interface JoinTokenBody {
  region: string;
  role?: 'host' | 'gateway';
  /** `1h`, `24h`, or seconds. */
  expires_in?: string | number;
  uses?: number;
}

export interface JoinBody {
  token: string;
  name: string;
  endpoint: string;
  mesh_key: string;
  peer_key?: string;
  peer_endpoint?: string;
  replace?: boolean;
}

export interface Registration {
  endpoint: string;
  mesh_key: string;
}

export interface GatewayRegistration extends Registration {
  peer_key: string;
  peer_endpoint: string;
}

export interface PeerStatusReport {
  peer: string;
  endpoint: string | null;
  last_handshake: string | null;
  rx_bytes: number;
  tx_bytes: number;
  installed_at: string | null;
}

export class ApiClient {
  readonly http: Http;

  constructor(opts: ApiClientOptions) {
    this.http = new Http(opts);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  // --- identity and health -------------------------------------------------------------------------------

  whoami(signal?: Signal) {
    return this.http.json('GET', '/v1/whoami', Whoami, { signal });
  }

  async healthz(signal?: Signal): Promise<boolean> {
    const res = await this.http.send('GET', '/healthz', { signal });
    return (await res.text()).trim() === 'ok';
  }

  // --- orgs and networks ---------------------------------------------------------------------------------

  createOrg(name: string) {
    return this.http.json('POST', '/v1/orgs', OrgL, { body: { name } });
  }
  async listOrgs() {
    return (await this.http.json('GET', '/v1/orgs', listOf(OrgL))).items;
  }
  getOrg(name: string) {
    return this.http.json('GET', `/v1/orgs/${seg(name)}`, OrgL);
  }
  deleteOrg(name: string) {
    return this.http.empty('DELETE', `/v1/orgs/${seg(name)}`);
  }

  createNetwork(org: string, name: string) {
    return this.http.json('POST', `/v1/orgs/${seg(org)}/networks`, NetworkL, { body: { name } });
  }
  async listNetworks(org: string) {
    return (await this.http.json('GET', `/v1/orgs/${seg(org)}/networks`, listOf(NetworkL))).items;
  }
  getNetwork(org: string, name: string) {
    return this.http.json('GET', `/v1/orgs/${seg(org)}/networks/${seg(name)}`, NetworkL);
  }
  deleteNetwork(org: string, name: string) {
    return this.http.empty('DELETE', `/v1/orgs/${seg(org)}/networks/${seg(name)}`);
  }

  // --- regions, hosts, gateways --------------------------------------------------------------------------

  createRegion(body: { code: string; name: string; lat: number; lon: number }) {
    return this.http.json('POST', '/v1/regions', RegionL, { body });
  }
  async listRegions() {
    return (await this.http.json('GET', '/v1/regions', listOf(RegionL))).items;
  }
  getRegion(code: string) {
    return this.http.json('GET', `/v1/regions/${seg(code)}`, RegionL);
  }
  deleteRegion(code: string) {
    return this.http.empty('DELETE', `/v1/regions/${seg(code)}`);
  }

  /** Creates a host; the answer carries its token, shown this once. */
  createHost(body: { name: string; region: string }) {
    return this.http.json('POST', '/v1/hosts', CreatedHost, { body });
  }
  async listHosts() {
    return (await this.http.json('GET', '/v1/hosts', listOf(HostL))).items;
  }
  getHost(name: string) {
    return this.http.json('GET', `/v1/hosts/${seg(name)}`, HostL);
  }
  deleteHost(name: string) {
    return this.http.empty('DELETE', `/v1/hosts/${seg(name)}`);
  }
  /** Lets a host create and remove instances of an org (one network, or all) on itself (admin). */
  allowHost(name: string, body: { org: string; network?: string }) {
    return this.http.json('POST', `/v1/hosts/${seg(name)}/grants`, HostGrantL, { body });
  }
  disallowHost(name: string, org: string, network?: string) {
    return this.http.empty('DELETE', `/v1/hosts/${seg(name)}/grants/${seg(org)}`, { query: { network } });
  }
  async listHostGrants(name: string) {
    return (await this.http.json('GET', `/v1/hosts/${seg(name)}/grants`, listOf(HostGrantL))).items;
  }
  registerHost(name: string, body: Registration, signal?: Signal) {
    return this.http.json('PUT', `/v1/hosts/${seg(name)}/registration`, HostL, { body, signal });
  }

  /** Creates a gateway; the answer carries its token, shown this once. */
  createGateway(body: { name: string; region: string }) {
    return this.http.json('POST', '/v1/gateways', CreatedGateway, { body });
  }
  async listGateways() {
    return (await this.http.json('GET', '/v1/gateways', listOf(HostL))).items;
  }
  getGateway(name: string) {
    return this.http.json('GET', `/v1/gateways/${seg(name)}`, HostL);
  }
  deleteGateway(name: string) {
    return this.http.empty('DELETE', `/v1/gateways/${seg(name)}`);
  }
  registerGateway(name: string, body: GatewayRegistration, signal?: Signal) {
    return this.http.json('PUT', `/v1/gateways/${seg(name)}/registration`, HostL, { body, signal });
  }
  /** A host's check transitions; an instance that is not on `host` makes the whole report a 404. */
  reportChecks(host: string, items: CheckReport[], signal?: Signal) {
    return this.http.empty('PUT', `/v1/hosts/${seg(host)}/checks`, { body: { items }, signal });
  }
  /** The last status of each check, failing first. */
  async listChecks(filter: { org?: string | undefined; app?: string | undefined; instance?: string } = {}) {
    return (await this.http.json('GET', '/v1/checks', listOf(CheckStatusL), { query: filter })).items;
  }
  reportPeerStatus(gateway: string, items: PeerStatusReport[], signal?: Signal) {
    return this.http.empty('PUT', `/v1/gateways/${seg(gateway)}/peer-status`, { body: { items }, signal });
  }

  /** Sends one usage report of a host; `applied: false` when the control plane had applied it before. */
  reportUsage(host: string, report: UsageReport, signal?: Signal) {
    return this.http.json('POST', `/v1/hosts/${seg(host)}/usage`, z.object({ applied: z.boolean() }), {
      body: report,
      signal,
    });
  }

  /** Sends one usage report of a gateway (items name its peers by address). */
  reportGatewayUsage(gateway: string, report: UsageReport, signal?: Signal) {
    return this.http.json('POST', `/v1/gateways/${seg(gateway)}/usage`, z.object({ applied: z.boolean() }), {
      body: report,
      signal,
    });
  }
  /** An org's usage; fields as the API takes them (`from`, `to`, `step`, `by`). */
  usage(org: string, q: { from?: string; to?: string; step?: string; by?: string }) {
    const qs = new URLSearchParams(
      Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const tail = qs.size > 0 ? `?${qs}` : '';
    return this.http.json('GET', `/v1/orgs/${seg(org)}/usage${tail}`, UsageView);
  }

  // --- apps and instances --------------------------------------------------------------------------------

  /** `checks` in the input form of sixpn.toml (src/core/checks.ts `checkInput`). */
  createApp(
    org: string,
    body: {
      name: string;
      network?: string;
      private_network?: boolean;
      checks?: Record<string, unknown>[];
      service_address?: boolean;
    },
  ) {
    return this.http.json('POST', `/v1/orgs/${seg(org)}/apps`, AppL, { body });
  }
  /** Changes what `body` names (a field left out stays); new checks apply to the app's running instances. */
  updateApp(
    org: string,
    name: string,
    body: { checks?: Record<string, unknown>[]; service_address?: boolean },
  ) {
    return this.http.json('PATCH', `/v1/orgs/${seg(org)}/apps/${seg(name)}`, AppL, { body });
  }
  async listApps(org: string) {
    return (await this.http.json('GET', `/v1/orgs/${seg(org)}/apps`, listOf(AppL))).items;
  }
  getApp(org: string, name: string) {
    return this.http.json('GET', `/v1/orgs/${seg(org)}/apps/${seg(name)}`, AppL);
  }
  /** Deletes the app and its instances. */
  deleteApp(org: string, name: string) {
    return this.http.empty('DELETE', `/v1/orgs/${seg(org)}/apps/${seg(name)}`);
  }

  /** Places an instance on the least-loaded host of the region (or `host`) and allocates its address. */
  createInstance(
    org: string,
    app: string,
    body: { region?: string; host?: string; state?: 'started' | 'stopped' },
  ) {
    return this.http.json('POST', `/v1/orgs/${seg(org)}/apps/${seg(app)}/instances`, InstanceL, { body });
  }
  async listInstances(filter: InstanceFilter = {}) {
    const query = { org: filter.org, app: filter.app, host: filter.host, region: filter.region };
    return (await this.http.json('GET', '/v1/instances', listOf(InstanceL), { query })).items;
  }
  getInstance(id: string) {
    return this.http.json('GET', `/v1/instances/${seg(id)}`, InstanceL);
  }
  deleteInstance(id: string) {
    return this.http.empty('DELETE', `/v1/instances/${seg(id)}`);
  }
  startInstance(id: string) {
    return this.http.json('POST', `/v1/instances/${seg(id)}/start`, InstanceL);
  }
  stopInstance(id: string) {
    return this.http.json('POST', `/v1/instances/${seg(id)}/stop`, InstanceL);
  }

  // --- peers ---------------------------------------------------------------------------------------------

  createPeer(org: string, body: { name: string; network?: string; region: string; public_key: string }) {
    return this.http.json('POST', `/v1/orgs/${seg(org)}/peers`, CreatedPeer, { body });
  }
  async listPeers(org: string, network?: string) {
    return (await this.http.json('GET', `/v1/orgs/${seg(org)}/peers`, listOf(PeerL), { query: { network } }))
      .items;
  }
  getPeer(org: string, name: string) {
    return this.http.json('GET', `/v1/orgs/${seg(org)}/peers/${seg(name)}`, PeerL);
  }
  deletePeer(org: string, name: string) {
    return this.http.empty('DELETE', `/v1/orgs/${seg(org)}/peers/${seg(name)}`);
  }
  peerStatus(org: string, name: string) {
    return this.http.json('GET', `/v1/orgs/${seg(org)}/peers/${seg(name)}/status`, PeerStatusView);
  }

  // --- tokens --------------------------------------------------------------------------------------------

  /** Creates a token; the answer carries its secret, shown this once. */
  createToken(body: CreateTokenBody) {
    return this.http.json('POST', '/v1/tokens', CreatedToken, { body });
  }
  async listTokens(filter: { org?: string | undefined; kind?: string | undefined } = {}) {
    const query = { org: filter.org, kind: filter.kind };
    return (await this.http.json('GET', '/v1/tokens', listOf(TokenL), { query })).items;
  }
  deleteToken(id: string) {
    return this.http.empty('DELETE', `/v1/tokens/${seg(id)}`);
  }

  // --- joining hosts -------------------------------------------------------------------------------------

  /** Creates a join token for a region's hosts (or gateways); the answer carries its text, shown this once. */
  createJoinToken(body: JoinTokenBody) {
    return this.http.json('POST', '/v1/join-tokens', CreatedJoinToken, { body });
  }
  async listJoinTokens() {
    return (await this.http.json('GET', '/v1/join-tokens', listOf(JoinTokenL))).items;
  }
  revokeJoinToken(id: string) {
    return this.http.empty('DELETE', `/v1/join-tokens/${seg(id)}`);
  }
  /** Trades one use of a join token (no bearer token needed) for a registered host and its own token. */
  join(body: JoinBody, signal?: Signal) {
    return this.http.json('POST', '/v1/join', Joined, { body, signal });
  }
  /** Replaces a host's (or gateway's) token; the old one stops working. The new secret is shown this once. */
  rotateToken(role: 'host' | 'gateway', name: string) {
    const base = role === 'host' ? '/v1/hosts' : '/v1/gateways';
    return this.http.json('POST', `${base}/${seg(name)}/token`, CreatedToken);
  }

  // --- state ---------------------------------------------------------------------------------------------

  /** The whole state this token may see and the revision it is at. */
  snapshot(signal?: Signal): Promise<Snapshot> {
    return this.http.json('GET', '/v1/snapshot', SnapshotSchema, { signal });
  }

  /** Opens one raw watch stream (NDJSON) from `since`; most callers want {@link watchChanges}. */
  openWatch(since: number, signal?: Signal): Promise<HttpResponse> {
    return this.http.send('GET', '/v1/watch', {
      query: { since },
      signal,
      stream: true,
      headers: { accept: 'application/x-ndjson' },
    });
  }

  /** A watch stream from `url` broke: the next request tries the next control-plane URL first. */
  moveOn(url: string): void {
    this.http.moveOn(url);
  }

  /**
   * Every change after `since` as it commits, resuming across disconnects; see {@link watchChanges}.
   * With `since` undefined it starts with a snapshot.
   */
  watchChanges(
    since: number | undefined,
    signal: AbortSignal,
    opts?: WatchOptions,
  ): AsyncGenerator<WatchEvent> {
    return watchChanges(this, since, signal, opts);
  }
}
