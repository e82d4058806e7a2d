// `sixpn gateway`: runs a WireGuard gateway (until SIGINT/SIGTERM), or removes what it made (--teardown).
// The gateway modules load inside the action.

import { invalid } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { choice, type DaemonCommand, flag, flagOr, type Parsed, toggle } from '../daemon-cli.ts';
import { DEFAULT_CONFIG_DIR, daemonConnection, loadDaemonConfig, pick } from '../daemon-setup.ts';
import {
  collectHostPorts,
  endpoint,
  iface,
  label,
  numberIn,
  prefix,
  regionCode,
  usageInterval,
  usageIntervalOf,
} from '../flags.ts';
import { joinCommands, type ParentSettings } from './join.ts';

const port = numberIn('port', 1, 65535);
const seconds = numberIn('seconds', 0.05, 3600);

const DEFAULT_STATE_DIR = '/var/lib/sixpn/gateway';

const gatewayFlags = {
  name: flag('--name <name>', 'this gateway, as created with `sixpn gateways create`', label('gateway name')),
  region: flag('--region <code>', "this gateway's region", regionCode),
  endpoint: flag(
    '--endpoint <ip:port>',
    'underlay endpoint of the host mesh; its port is the mesh listen port',
    endpoint,
  ),
  peerEndpoint: flag(
    '--peer-endpoint <host:port>',
    'where peers connect (written into their files); its port is the peer listen port',
  ),
  stateDir: flagOr('--state-dir <dir>', 'keys, saved state, status.json', DEFAULT_STATE_DIR),
  meshInterface: flagOr(
    '--mesh-interface <iface>',
    'WireGuard mesh interface (unique on the machine)',
    'sxmesh0',
    iface,
  ),
  peerInterface: flagOr(
    '--peer-interface <iface>',
    'WireGuard interface for peers (unique on the machine)',
    'sxpeers0',
    iface,
  ),
  wireguard: choice(
    '--wireguard <impl>',
    'kernel (wg) or userspace (wireguard-go); default: kernel when loaded',
    ['userspace', 'kernel'] as const,
  ),
  upstream: flag(
    '--upstream <ip:port>',
    'DNS upstream for other names (repeat; default: /etc/resolv.conf)',
    collectHostPorts,
  ),
  dnsPort: flagOr('--dns-port <port>', 'local port DNS for fdaa:N:N::3 is redirected to', 5353, port),
  reportInterval: flagOr(
    '--report-interval <seconds>',
    'how often peer handshakes and traffic are reported',
    5,
    seconds,
  ),
  usageInterval: flag(
    '--usage-interval <duration>',
    "read and report the peers' private-traffic counters this often (default: SIXPN_USAGE_INTERVAL, else 60s)",
    usageInterval,
  ),
  prefix: flagOr('--prefix <cidr>', 'the deployment /16', 'fdaa::/16', prefix),
  configDir: flagOr(
    '--config-dir <dir>',
    'where `sixpn gateway join` wrote gateway.toml and gateway.token',
    DEFAULT_CONFIG_DIR,
  ),
  teardown: toggle('--teardown', 'remove the interfaces and nft table this gateway made, and exit'),
};

type GatewayParsed = Parsed<typeof gatewayFlags>;

/** The flags given, with the config of `sixpn gateway join` under them (when there is one). */
async function resolveFlags({ values: o, given }: GatewayParsed) {
  const cfg = await loadDaemonConfig(o.configDir, 'gateway', given('configDir'));
  const merged = {
    ...o,
    name: o.name ?? cfg?.name,
    region: o.region ?? cfg?.region,
    endpoint: o.endpoint ?? cfg?.endpoint,
    peerEndpoint: o.peerEndpoint ?? cfg?.peer_endpoint,
    stateDir: pick(given('stateDir'), o.stateDir, cfg?.state_dir),
    meshInterface: pick(given('meshInterface'), o.meshInterface, cfg?.mesh_interface),
    peerInterface: pick(given('peerInterface'), o.peerInterface, cfg?.peer_interface),
    wireguard: o.wireguard ?? cfg?.wireguard,
    upstream: o.upstream ?? cfg?.upstream,
    prefix: pick(given('prefix'), o.prefix, cfg?.prefix),
  };
  return { o: merged, cfg };
}

async function gatewayAction(p: GatewayParsed, ctx: CliContext): Promise<void> {
  const [{ createLogger }, { defaultWireguardMode }] = await Promise.all([
    import('../../lib/log.ts'),
    import('../../runtime/wg-interface.ts'),
  ]);
  const { o, cfg } = await resolveFlags(p);
  const logger = createLogger();
  const wireguard = o.wireguard ?? defaultWireguardMode();
  if (o.teardown) {
    const [{ teardownGateway }, { realGatewaySeams }] = await Promise.all([
      import('../../gateway/teardown.ts'),
      import('../../gateway/seams.ts'),
    ]);
    const seams = realGatewaySeams({
      meshIface: o.meshInterface,
      peerIface: o.peerInterface,
      wireguard,
      stateDir: o.stateDir,
      logger,
      register: async () => {},
    });
    await teardownGateway(seams, o.stateDir, logger);
    ctx.io.stderr(`sixpn gateway: removed ${o.peerInterface}, ${o.meshInterface} and the nft table\n`);
    return;
  }
  const missing = (['name', 'region', 'endpoint', 'peerEndpoint'] as const).filter((k) => o[k] === undefined);
  if (missing.length > 0) {
    const flags = missing.map((m) => `--${m.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw invalid(
      `sixpn gateway needs ${flags.join(', ')}, or the config of \`sixpn gateway join\` (none in ${o.configDir})`,
      { field: missing[0] },
    );
  }
  const conn = await daemonConnection(ctx, cfg, 'gateway');
  const { runGateway } = await import('../../gateway/gateway.ts');
  const { withSignals } = await import('../../runtime/signals.ts');
  await withSignals(async (signal) => {
    const g = await runGateway({
      name: o.name as string,
      region: o.region as string,
      ...conn,
      endpoint: o.endpoint as string,
      peerEndpoint: o.peerEndpoint as string,
      stateDir: o.stateDir,
      meshIface: o.meshInterface,
      peerIface: o.peerInterface,
      wireguard,
      ...(o.upstream ? { upstreams: o.upstream } : {}),
      dnsPort: o.dnsPort,
      reportMs: o.reportInterval * 1000,
      usageIntervalMs: o.usageInterval ?? usageIntervalOf(ctx.io.env),
      prefix: o.prefix,
      logger,
      signal,
    });
    await g.done;
  });
}

/** The join subcommand's view of the gateway's flags: what to write into gateway.toml. */
function joinSettings({ values: o, given }: GatewayParsed): ParentSettings {
  return {
    configDir: o.configDir,
    name: o.name,
    endpoint: o.endpoint,
    peerEndpoint: o.peerEndpoint,
    settings: {
      state_dir: o.stateDir,
      ...(given('meshInterface') ? { mesh_interface: o.meshInterface } : {}),
      ...(given('peerInterface') ? { peer_interface: o.peerInterface } : {}),
      ...(o.wireguard ? { wireguard: o.wireguard } : {}),
      ...(o.upstream ? { upstream: o.upstream } : {}),
      ...(given('prefix') ? { prefix: o.prefix } : {}),
    },
  };
}

/** `sixpn gateway` and its subcommands. */
export const gatewayCommand: DaemonCommand<typeof gatewayFlags> = {
  name: 'gateway',
  description:
    'run a WireGuard gateway: peers of its region, their isolation and DNS, joined to the mesh (root)',
  flags: gatewayFlags,
  after:
    '\nThe gateway logs JSON to stderr and prints nothing on stdout. SIGTERM stops it and leaves WireGuard,\n' +
    'routes and the firewall in place; a restarted gateway adopts them. After `sixpn gateway join` it runs with\n' +
    'no flags from --config-dir (flags given override the config); otherwise it uses --api and SIXPN_TOKEN.',
  run: gatewayAction,
  subcommands: joinCommands<typeof gatewayFlags>('gateway', joinSettings),
};
