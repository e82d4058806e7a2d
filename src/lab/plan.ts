// The lab as data: every namespace, link, underlay address, port, file and process name `sixpn lab up` makes,
// computed from `--regions`/`--gateways` alone. Pure: the shell in up.ts executes it and down.ts undoes it.

import { join } from 'node:path';
import { invalid } from '../core/errors.ts';
import { type KnownRegion, knownRegion, MAX_LAB_NODES, type RegionCount } from './regions.ts';

/** Where the (default, unnamed) lab lives. */
export const LAB_DIR = '/run/sixpn-lab';
/** Every namespace of the default lab starts with this (instance namespaces are `sixpn-i-<id>`, made by agents). */
export const LAB_NS_PREFIX = 'sixpn-lab-';
/**
 * A lab name (`--name`, env SIXPN_LAB) keeps several labs apart on one machine (tests, benchmarks, a user's own):
 * its dir is /run/sixpn-lab-<name>, its namespaces sixpn-lab<name>-…, its WireGuard interfaces sx<name>m<N>.
 */
export const LAB_NAME_RE = /^[a-z0-9]{1,6}$/;

export function checkLabName(name: string): string {
  if (!LAB_NAME_RE.test(name)) {
    throw invalid(
      `lab name '${name}' must be 1–6 lowercase letters or digits (it goes into interface names)`,
      {
        field: 'name',
      },
    );
  }
  return name;
}

/** The dir of a lab: /run/sixpn-lab, or /run/sixpn-lab-<name> for a named one. */
export const labDirOf = (name?: string) => (name ? `${LAB_DIR}-${checkLabName(name)}` : LAB_DIR);

/** The prefix of every namespace of a lab (its own sweep never matches another lab's). */
export const labNsPrefix = (name?: string) => (name ? `sixpn-lab${checkLabName(name)}-` : LAB_NS_PREFIX);
export const INSTANCE_NS_PREFIX = 'sixpn-i-';
export const API_PORT = 4280;
export const MESH_PORT = 51820;
export const PEER_PORT = 51821;
export const UNDERLAY_PREFIXLEN = 15;

export interface LabOptions {
  regions: RegionCount[];
  /** Regions that get one gateway each. */
  gateways: string[];
  /** See {@link LAB_NAME_RE}; the default lab has none. */
  name?: string | undefined;
  /** Default {@link labDirOf}(name); tests of the plan pass their own. */
  dir?: string | undefined;
}

/** A namespace on the underlay bridge: a host, a gateway, the upstream resolver or the laptop. */
export interface UnderlayMember {
  ns: string;
  /** The veth end on the bridge, inside the underlay namespace (the other end is `eth0` in `ns`). */
  uplink: string;
  /** Underlay IPv4 address (RFC 2544 198.18.0.0/15) and the same with its prefix length. */
  address: string;
  cidr: string;
}

export interface LabNode extends UnderlayMember {
  /** Host or gateway name in the control plane, e.g. `ord1`, `ord-gw1`. */
  name: string;
  role: 'host' | 'gateway';
  region: string;
  /** N of 198.18.1.N and of the node's interface names; 1-based, unique in the lab. */
  index: number;
  /** Underlay endpoint of the host mesh. */
  endpoint: string;
  /** WireGuard mesh interface (its wireguard-go socket is machine-global, hence the lab-unique number). */
  meshInterface: string;
  /** The agent's (or gateway's) state directory and log file. */
  stateDir: string;
  /** Where `sixpn agent join` / `sixpn gateway join` write its config and token (its /etc/sixpn). */
  configDir: string;
  log: string;
  /** Gateways only: the peer-facing WireGuard interface and endpoint. */
  peerInterface?: string;
  peerEndpoint?: string;
}

export interface LabPlan {
  /** The lab's name, '' for the default lab. */
  name: string;
  dir: string;
  /** Prefix of the lab's own namespaces (what `lab down` sweeps). */
  nsPrefix: string;
  files: {
    /** What was built (lab.json, 0600): the record `lab down` and `lab status` read. */
    state: string;
    db: string;
    socket: string;
    logs: string;
    controlLog: string;
    unboundDir: string;
    unboundConf: string;
    unboundLog: string;
    /** Put first on PATH by `lab exec laptop`: the resolvconf shim wg-quick calls. */
    laptopBin: string;
    /** The control plane's own CA and server certificate (made by `lab up`, served by the control plane). */
    tlsDir: string;
    /** The control plane's CA certificate (the join tokens carry its fingerprint). */
    caCert: string;
    /** The admin token the control plane accepts (0600; never in an argv or environment). */
    adminToken: string;
    /** Join tokens while hosts join (0600), removed once they have. */
    joinDir: string;
  };
  underlay: {
    ns: string;
    bridge: string;
    /** The control plane's address on the bridge. */
    address: string;
    cidr: string;
    apiListen: string;
    /** What agents and gateways use. */
    apiUrl: string;
    /** What the CLI in the machine's own namespace uses (`unix:` URL of the socket). */
    apiSocketUrl: string;
  };
  upstream: UnderlayMember & { listen: string };
  laptop: UnderlayMember;
  regions: KnownRegion[];
  hosts: LabNode[];
  gateways: LabNode[];
  /** Every lab namespace, in creation order (underlay first). */
  namespaces: string[];
  /** `/etc/netns/<ns>` dirs the lab writes a resolv.conf into (what `ip netns exec` bind-mounts). */
  netnsDirs: string[];
}

const member = (prefix: string, name: string, uplink: string, address: string): UnderlayMember => ({
  ns: `${prefix}${name}`,
  uplink,
  address,
  cidr: `${address}/${UNDERLAY_PREFIXLEN}`,
});

function node(
  lab: { dir: string; nsPrefix: string; ifPrefix: string },
  name: string,
  role: LabNode['role'],
  region: string,
  index: number,
): LabNode {
  const address = `198.18.1.${index}`;
  const n: LabNode = {
    ...member(lab.nsPrefix, name, `sxu${index}`, address),
    name,
    role,
    region,
    index,
    endpoint: `${address}:${MESH_PORT}`,
    meshInterface: `${lab.ifPrefix}m${index}`,
    stateDir: join(lab.dir, role === 'host' ? 'agents' : 'gateways', name),
    configDir: join(lab.dir, 'etc', name),
    log: join(lab.dir, 'logs', `${name}.log`),
  };
  if (role === 'gateway') {
    n.peerInterface = `${lab.ifPrefix}p${index}`;
    n.peerEndpoint = `${address}:${PEER_PORT}`;
  }
  return n;
}

/**
 * The whole lab for these options. Hosts are named `<region><i>` (ord1, ord2, nrt1), gateways `<region>-gw1`;
 * they are numbered in that order from 1, hosts first, which fixes their underlay address 198.18.1.N and their
 * interface names sxu<N> (bridge side) and sxm<N> (mesh).
 */
export function labPlan(opts: LabOptions): LabPlan {
  const name = opts.name ?? '';
  const dir = opts.dir ?? labDirOf(name);
  const lab = { dir, nsPrefix: labNsPrefix(name), ifPrefix: `sx${name}` };
  const total = opts.regions.reduce((s, r) => s + r.hosts, 0) + opts.gateways.length;
  if (total > MAX_LAB_NODES) {
    throw invalid(`a lab holds at most ${MAX_LAB_NODES} hosts and gateways; asked for ${total}`);
  }
  const regionCodes = [...opts.regions.map((r) => r.code)];
  for (const g of opts.gateways) if (!regionCodes.includes(g)) regionCodes.push(g);
  const regions = regionCodes.map(knownRegion);
  let index = 0;
  const hosts = opts.regions.flatMap((r) =>
    Array.from({ length: r.hosts }, (_, i) => node(lab, `${r.code}${i + 1}`, 'host', r.code, ++index)),
  );
  const gateways = opts.gateways.map((g) => node(lab, `${g}-gw1`, 'gateway', g, ++index));
  const underlayNs = `${lab.nsPrefix}ul`;
  const upstream = { ...member(lab.nsPrefix, 'dns', 'sxudns', '198.18.0.2'), listen: '198.18.0.2:53' };
  const laptop = member(lab.nsPrefix, 'laptop', 'sxulaptop', '198.18.0.3');
  const nodes = [...hosts, ...gateways];
  return {
    name,
    dir,
    nsPrefix: lab.nsPrefix,
    files: {
      state: join(dir, 'lab.json'),
      db: join(dir, 'control.db'),
      socket: join(dir, 'api.sock'),
      logs: join(dir, 'logs'),
      controlLog: join(dir, 'logs', 'control.log'),
      unboundDir: join(dir, 'unbound'),
      unboundConf: join(dir, 'unbound', 'unbound.conf'),
      unboundLog: join(dir, 'logs', 'unbound.log'),
      laptopBin: join(dir, 'laptop', 'bin'),
      tlsDir: join(dir, 'tls'),
      caCert: join(dir, 'tls', 'ca.crt'),
      adminToken: join(dir, 'admin.token'),
      joinDir: join(dir, 'join'),
    },
    underlay: {
      ns: underlayNs,
      bridge: 'sxbr0',
      address: '198.18.0.1',
      cidr: `198.18.0.1/${UNDERLAY_PREFIXLEN}`,
      apiListen: `198.18.0.1:${API_PORT}`,
      apiUrl: `https://198.18.0.1:${API_PORT}`,
      apiSocketUrl: `unix:${join(dir, 'api.sock')}`,
    },
    upstream,
    laptop,
    regions,
    hosts,
    gateways,
    namespaces: [underlayNs, upstream.ns, laptop.ns, ...nodes.map((n) => n.ns)],
    netnsDirs: [upstream.ns, laptop.ns, ...nodes.map((n) => n.ns)].map((ns) => `/etc/netns/${ns}`),
  };
}

/** Every node of the plan, hosts then gateways. */
export const labNodes = (p: LabPlan): LabNode[] => [...p.hosts, ...p.gateways];

/** What runs where, for `lab exec`, `lab logs` and `lab status`: a node by name, or undefined. */
export function findNode(p: LabPlan, name: string): LabNode | undefined {
  return labNodes(p).find((n) => n.name === name);
}
