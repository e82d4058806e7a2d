// What a host should look like, computed from the agent's copy of the state: its instances' namespaces, links and
// files, the host mesh (WireGuard peers), the nftables isolation table, and its registration. Pure.

import {
  type AddressPlan,
  asNetworkId,
  enclosing,
  formatCidr,
  formatIPv6,
  hostResolverAddress,
  type NetworkId,
  parseCidr,
  parseIPv6,
  planCidr,
} from '../core/address.ts';
import { compareText } from '../core/compare.ts';
import { meshPeers } from '../core/mesh-peers.ts';
import type { Instance } from '../core/model.ts';
import type { IsolationSpec } from '../core/nft/isolation.ts';
import { serviceBalances } from '../core/service-members.ts';
import type { LocalState } from '../core/state.ts';
import { endpointPort, type WgEndpoint } from '../core/wg/endpoint.ts';
import { publicKeyOf, type WgPrivateKey, type WgPublicKey } from '../core/wg/keys.ts';
import type { DeviceConfig } from '../core/wg/plan.ts';
import { etcFiles, instanceEnv, renderEnv } from './instance-files.ts';

/** MTU of instance links: 1500 of the underlay minus WireGuard's 80 bytes over IPv6. */
export const INSTANCE_MTU = 1420;
export const MESH_MTU = 1420;
/** The host side of every instance veth: the instance's next hop. */
export const HOST_LINK_LOCAL = 'fe80::1';
/** The instance side's link-local (each veth is its own link, so every instance can have the same one). */
export const INSTANCE_LINK_LOCAL = 'fe80::2';
export const INSTANCE_IFACE = 'eth0';
export const NFT_TABLE = 'sixpn_agent';

/** Who this agent is and how it lays things out (from its flags and its key file). */
export interface AgentIdentity {
  host: string;
  region: string;
  plan: AddressPlan;
  meshIface: string;
  /** This host's underlay endpoint, registered with the control plane; its port is the mesh listen port. */
  endpoint: WgEndpoint;
  meshKey: WgPrivateKey;
  /** Lab mode: the agent creates and deletes the instance namespaces and lays files under `etcNetnsDir`. */
  lab: boolean;
  /** Namespace name of an instance; `{id}` is replaced by the instance id (default `sixpn-i-{id}`). */
  netnsTemplate: string;
  /** Where per-instance env files go (`<stateDir>/instances`). */
  envDir: string;
  /** `/etc/netns` (tests point it elsewhere). */
  etcNetnsDir: string;
}

export interface DesiredInstance {
  id: string;
  ns: string;
  /**
   * Who makes the namespace when it is missing: the agent (`add`: lab mode, or `sixpn run`), the agent pinning a
   * runtime's namespace file `attach` as `ns` (the CNI plugin), or the runtime itself (`wait`: `--netns-template`).
   */
  create: 'add' | 'attach' | 'wait';
  attach?: string;
  /** The instance side of the veth (`eth0`, or the runtime's CNI_IFNAME). */
  ifname: string;
  /** The host end of the veth, `sxi<id>` (15 characters at most, unique on the machine). */
  hostIface: string;
  /** `<address>/112` in canonical text, or null without private networking (then: no veth). */
  address: string | null;
  /** The instance's /112, or null. */
  prefix: string | null;
  network: NetworkId | null;
}

export interface DesiredFile {
  path: string;
  content: string;
  mode: number;
}

export interface Desired {
  registration: { endpoint: string; mesh_key: WgPublicKey };
  instances: DesiredInstance[];
  files: DesiredFile[];
  mesh: DeviceConfig;
  /** The deployment's /16, routed into the mesh. */
  meshRoute: string;
  /** `fdaa::3/128` on the host's loopback: the resolver every instance uses. */
  dnsAddress: string;
  nft: IsolationSpec;
  /** Every instance attached over the local socket (started or not): its namespace, and whether it is pinned. */
  workloads: Map<string, { ns: string; pinned: boolean }>;
}

/** What desiredState needs of an attachment (workload-protocol.ts). */
export interface AttachedAs {
  netns: string | null;
  ifname: string;
}

/**
 * The namespace of instance `id`: made by the agent (lab mode, or attached over its socket: its own, or a runtime's
 * pinned under this name), or by the runtime (`--netns-template` outside lab mode).
 */
export function netnsName(template: string, id: string): string {
  return template.replaceAll('{id}', id);
}

export const hostIfaceOf = (id: string) => `sxi${id}`;
export const envFileOf = (envDir: string, id: string) => `${envDir}/${id}.env`;

/** `addr/112` and the /112 of an instance address. */
function addressing(address: string): { address: string; prefix: string } {
  const a = parseIPv6(address);
  return { address: `${formatIPv6(a)}/112`, prefix: formatCidr(enclosing(a, 112)) };
}

function desiredInstance(i: Instance, id: AgentIdentity, at: AttachedAs | undefined): DesiredInstance {
  const net = i.address ? addressing(i.address) : null;
  const where = at
    ? {
        ns: netnsName(id.netnsTemplate, i.id),
        ...(at.netns === null ? { create: 'add' as const } : { create: 'attach' as const, attach: at.netns }),
        ifname: at.ifname,
      }
    : {
        ns: netnsName(id.netnsTemplate, i.id),
        create: id.lab ? ('add' as const) : ('wait' as const),
        ifname: INSTANCE_IFACE,
      };
  return {
    id: i.id,
    ...where,
    hostIface: hostIfaceOf(i.id),
    address: net?.address ?? null,
    prefix: net?.prefix ?? null,
    network: i.address ? asNetworkId(i.network_num) : null,
  };
}

/** Instances this host should run: started, placed here. Sorted by id so plans are stable. */
export function localInstances(state: LocalState, host: string): Instance[] {
  return state
    .all('instance')
    .filter((i) => i.host === host && i.state === 'started')
    .sort((a, b) => compareText(a.id, b.id));
}

/** The app name of an instance (`Instance.app` is the app's name; an id is looked up). */
export function appNameOf(state: LocalState, i: Instance): string {
  return state.get('app', i.app)?.name ?? i.app;
}

/**
 * The host as it should be. `attached`: instances attached over the local socket, by id (their namespaces are
 * the agent's own or pinned; they get /etc files like lab instances).
 */
export function desiredState(
  state: LocalState,
  id: AgentIdentity,
  attached: ReadonlyMap<string, AttachedAs> = new Map(),
): Desired {
  const started = localInstances(state, id.host);
  const instances = started.map((i) => desiredInstance(i, id, attached.get(i.id)));
  const files: DesiredFile[] = [];
  for (const [k, i] of started.entries()) {
    files.push({
      path: envFileOf(id.envDir, i.id),
      content: renderEnv(instanceEnv(i, appNameOf(state, i))),
      mode: 0o644,
    });
    if (id.lab || attached.has(i.id)) {
      const dir = `${id.etcNetnsDir}/${instances[k]?.ns}`;
      for (const f of etcFiles(i, id.plan))
        files.push({ path: `${dir}/${f.name}`, content: f.content, mode: 0o644 });
    }
  }
  const networked = instances.filter((i) => i.network !== null && i.prefix !== null);
  const networks = [...new Set(networked.map((i) => i.network as NetworkId))].sort((a, b) => a - b);
  const resolver = hostResolverAddress(id.plan);
  return {
    registration: { endpoint: id.endpoint, mesh_key: publicKeyOf(id.meshKey) },
    instances,
    files,
    mesh: {
      privateKey: id.meshKey,
      listenPort: endpointPort(id.endpoint),
      peers: meshPeers(state, id.host, id.plan),
    },
    meshRoute: formatCidr(planCidr(id.plan)),
    dnsAddress: `${formatIPv6(resolver)}/128`,
    nft: {
      table: NFT_TABLE,
      plan: id.plan,
      networks,
      interfaces: [id.meshIface],
      guards: networked.map((i) => ({
        iface: i.hostIface,
        allowed: [parseCidr(i.prefix as string)],
        network: i.network as NetworkId,
      })),
      resolvers: [resolver],
      // This host's instances are the askers: its own region first.
      services: serviceBalances(state, id.plan, id.region, networks),
    },
    workloads: new Map(
      [...attached].map(
        ([k, a]) => [k, { ns: netnsName(id.netnsTemplate, k), pinned: a.netns !== null }] as const,
      ),
    ),
  };
}
