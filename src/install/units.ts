// The systemd unit of each sixpn service (server, agent, gateway): what it runs, the capabilities it keeps and the
// paths it may write; everything else read-only. Pure: install.ts writes the files and talks to systemctl.

import { invalid } from '../core/errors.ts';
import { ROLE_NODE_FLAGS } from '../core/node-flags.ts';
import { execLine, pathList, renderUnit, type UnitSection } from '../core/systemd-unit.ts';

export const ROLES = ['server', 'agent', 'gateway'] as const;
export type Role = (typeof ROLES)[number];

/** Where things live on the machine; tests render with their own. */
export interface UnitPaths {
  /** The Node.js executable (absolute). */
  node: string;
  /** sixpn's bin/sixpn.js (absolute). */
  bin: string;
  /** Configuration and secrets: `<configDir>/<role>.env` (0600), agent.toml, gateway.toml. */
  configDir: string;
}

export const CONFIG_DIR = '/etc/sixpn';
/** State of each role: `/var/lib/sixpn/<role>` (0700, made by systemd: StateDirectory=). */
const STATE_ROOT = '/var/lib/sixpn';

/** `sixpn install server` flags that go on the server's command line (never a secret). */
export interface ServerFlags {
  db?: string | undefined;
  listen?: string | undefined;
  hostname?: readonly string[] | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  prefix?: string | undefined;
  insecureHttp?: boolean | undefined;
}

export interface ServiceUnit {
  role: Role;
  /** `sixpn-<role>.service` */
  name: string;
  /** The EnvironmentFile= (0600): the only place a secret of the service goes. */
  envFile: string;
  /** The state directory systemd creates (0700) and the service may write. */
  stateDir: string;
  text: string;
}

export const unitName = (role: Role) => `sixpn-${role}.service`;
export const envFilePath = (role: Role, configDir: string) => `${configDir}/${role}.env`;

/**
 * Capabilities per role, each for a reason (checked with `setpriv --bounding-set` here):
 * - agent: NET_ADMIN (links, routes, WireGuard, nftables, forwarding sysctls), SYS_ADMIN (`ip netns add`
 *   mounts /run/netns; `ip netns exec` enters a namespace), NET_BIND_SERVICE (an instance's DNS on port 53).
 * - gateway: NET_ADMIN only; it works in the machine's own namespace, its DNS on a high port behind an nft
 *   redirect.
 * - server: none, or NET_BIND_SERVICE when it listens on a port below 1024.
 */
export function capabilitiesOf(role: Role, listenPort?: number): string[] {
  if (role === 'agent') return ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_NET_BIND_SERVICE'];
  if (role === 'gateway') return ['CAP_NET_ADMIN'];
  return listenPort !== undefined && listenPort < 1024 ? ['CAP_NET_BIND_SERVICE'] : [];
}

/** Paths under /run and /etc the network roles create and write besides their state directory. */
const NET_RUN_PATHS: Record<Exclude<Role, 'server'>, string[]> = {
  // /run/netns: instance namespaces; /run/wireguard: wireguard-go sockets; /run/sixpn: the agent socket;
  // /etc/netns: an instance's resolv.conf and hosts, bind-mounted by `ip netns exec`
  agent: ['/run/netns', '/run/wireguard', '/run/sixpn', '/etc/netns'],
  gateway: ['/run/wireguard'],
};

/** The hardening every role shares: read-only system, no privilege gain, private /tmp. */
const COMMON_HARDENING: [string, string][] = [
  ['NoNewPrivileges', 'yes'],
  ['ProtectSystem', 'strict'],
  ['PrivateTmp', 'yes'],
  ['ProtectClock', 'yes'],
  ['ProtectHostname', 'yes'],
  ['ProtectKernelLogs', 'yes'],
  ['LockPersonality', 'yes'],
  ['RestrictRealtime', 'yes'],
  ['RestrictSUIDSGID', 'yes'],
  ['SystemCallArchitectures', 'native'],
  ['UMask', '0077'],
];

/** A path under a home directory (a checkout in /root): ProtectHome=yes would hide it from the service. */
const underHome = (p: string) => /^\/(home|root|run\/user)(\/|$)/.test(p);

/** The port of a `HOST:PORT` / `[V6]:PORT` listen address; an error naming --listen otherwise. */
export function listenPort(listen: string): number {
  const m = /^(?:\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) {
    throw invalid(`--listen '${listen}' is not HOST:PORT (for example [::]:4280)`, { field: 'listen' });
  }
  return port;
}

/** The server's arguments and the paths it writes, from the install flags. */
function serverArgs(f: ServerFlags, stateDir: string): { args: string[]; writes: string[]; port: number } {
  const db = f.db ?? `sqlite:${stateDir}/sixpn.db`;
  if (/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(db)) {
    throw invalid(
      '--db holds a password, which would land in the unit file: give the URL without it and put PGPASSWORD=… in the environment file',
      { field: 'db' },
    );
  }
  const writes: string[] = [];
  if (db.startsWith('sqlite:')) {
    const path = db.slice('sqlite:'.length);
    if (!path.startsWith('/')) throw invalid(`--db ${db}: give an absolute path`, { field: 'db' });
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    if (dir !== stateDir) writes.push(dir);
  }
  const listen = f.listen ?? '[::]:4280';
  const args = ['server', '--db', db, '--listen', listen];
  for (const h of f.hostname ?? []) args.push('--hostname', h);
  if (f.tlsCert !== undefined) args.push('--tls-cert', f.tlsCert);
  if (f.tlsKey !== undefined) args.push('--tls-key', f.tlsKey);
  if (f.prefix !== undefined) args.push('--prefix', f.prefix);
  if (f.insecureHttp) args.push('--insecure-http');
  return { args, writes, port: listenPort(listen) };
}

const DESCRIPTIONS: Record<Role, string> = {
  server: 'sixpn control plane (API and store)',
  agent: 'sixpn host agent (instances, WireGuard mesh, .internal DNS)',
  gateway: 'sixpn WireGuard gateway',
};

/** The unit of `role`. Throws `invalid_argument` for a flag that cannot go in a unit (a password, a relative path). */
export function serviceUnit(role: Role, paths: UnitPaths, server: ServerFlags = {}): ServiceUnit {
  const stateDir = `${STATE_ROOT}/${role}`;
  const envFile = envFilePath(role, paths.configDir);
  const s = role === 'server' ? serverArgs(server, stateDir) : undefined;
  const caps = capabilitiesOf(role, s?.port);
  const extra = role === 'server' ? (s?.writes ?? []) : NET_RUN_PATHS[role];
  const service: [string, string][] = [
    ['Type', 'simple'],
    ['ExecStart', execLine([paths.node, ...ROLE_NODE_FLAGS[role], paths.bin, ...(s?.args ?? [role])])],
    ...(role === 'server'
      ? []
      : ([['ExecStartPre', `+/bin/mkdir -p ${pathList(extra)}`]] as [string, string][])),
    ['Restart', 'always'],
    ['RestartSec', '2'],
    ['EnvironmentFile', envFile],
    ['WorkingDirectory', stateDir],
    ['StateDirectory', `sixpn/${role}`],
    ['StateDirectoryMode', '0700'],
    ['ReadWritePaths', pathList([stateDir, ...extra])],
    ['CapabilityBoundingSet', caps.join(' ')],
    ['AmbientCapabilities', ''],
    ...COMMON_HARDENING,
    [
      'ProtectHome',
      [paths.node, paths.bin, ...extra, server.tlsCert ?? '', server.tlsKey ?? ''].some(underHome)
        ? 'read-only'
        : 'yes',
    ],
    ...roleHardening(role),
  ];
  const text = renderUnit(
    [
      `${unitName(role)}: written by \`sixpn install ${role}\`; \`sixpn uninstall ${role}\` removes it.`,
      `Secrets go in ${envFile} (0600), never in this file.`,
    ],
    [
      {
        name: 'Unit',
        entries: [
          ['Description', DESCRIPTIONS[role]],
          ['After', 'network-online.target'],
          ['Wants', 'network-online.target'],
        ],
      },
      { name: 'Service', entries: service },
      { name: 'Install', entries: [['WantedBy', 'multi-user.target']] },
    ] satisfies UnitSection[],
  );
  return { role, name: unitName(role), envFile, stateDir, text };
}

function roleHardening(role: Role): [string, string][] {
  if (role === 'server') {
    return [
      ['ExecReload', '/bin/kill -HUP $MAINPID'], // reads --tls-cert/--tls-key again
      ['PrivateDevices', 'yes'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectKernelModules', 'yes'],
      ['ProtectControlGroups', 'yes'],
      ['RestrictNamespaces', 'yes'],
      ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6'],
    ];
  }
  return [
    // wireguard-go and instance processes outlive a restart of the service: the agent adopts them
    ['KillMode', 'process'],
    // ProtectClock= implies a device allow-list; wireguard-go needs the TUN device on it
    ['DeviceAllow', '/dev/net/tun rw'],
    ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6 AF_NETLINK'],
  ];
}
