// `sixpn agent`: runs the host agent (until SIGINT/SIGTERM), or tears down what it made (--teardown);
// `sixpn agent env ID` prints an instance's env; `sixpn agent inject` writes its files into a root filesystem.
// The agent modules load inside the actions.

import { parsePlanPrefix } from '../../core/address.ts';
import { formatHostPort, parseLoopbackListen } from '../../core/dns/host-port.ts';
import { invalid } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { choice, type DaemonCommand, flag, flagOr, needed, type Parsed, toggle } from '../daemon-cli.ts';
import { DEFAULT_CONFIG_DIR, daemonConnection, loadDaemonConfig, pick } from '../daemon-setup.ts';
import {
  collectHostPorts,
  endpoint,
  flagOf,
  iface,
  instanceId,
  label,
  numberIn,
  prefix,
  regionCode,
  usageInterval,
  usageIntervalOf,
} from '../flags.ts';
import { joinCommands, type ParentSettings } from './join.ts';

const template = flagOf((v) => {
  if (!/^sixpn-[a-z0-9-]*\{id\}[a-z0-9-]*$/.test(v)) {
    throw invalid(`'${v}' must be a namespace name sixpn-… containing {id}, like sixpn-i-{id}`);
  }
  return v;
});

const DEFAULT_STATE_DIR = '/var/lib/sixpn/agent';

/** `--metrics-listen`: an address on loopback with a port. */
const metricsListen = flagOf((v) => formatHostPort(parseLoopbackListen(v, '--metrics-listen', 9464)));

const agentFlags = {
  host: flag('--host <name>', 'this host, as created with `sixpn hosts create`', label('host name')),
  region: flag('--region <code>', "this host's region (origin of nearest-instance answers)", regionCode),
  endpoint: flag(
    '--endpoint <ip:port>',
    'underlay endpoint of the mesh; its port is the WireGuard listen port',
    endpoint,
  ),
  stateDir: flagOr(
    '--state-dir <dir>',
    'saved state, mesh key, instance env files, status.json',
    DEFAULT_STATE_DIR,
  ),
  meshInterface: flagOr(
    '--mesh-interface <iface>',
    'WireGuard mesh interface (unique on the machine)',
    'sxmesh0',
    iface,
  ),
  wireguard: choice(
    '--wireguard <impl>',
    'kernel (wg) or userspace (wireguard-go); default: kernel when loaded',
    ['userspace', 'kernel'] as const,
  ),
  lab: toggle('--lab', 'create instance namespaces sixpn-i-<id> and lay files under /etc/netns/<ns>/'),
  netnsTemplate: flagOr(
    '--netns-template <name>',
    'namespace of an instance ({id} = instance id)',
    'sixpn-i-{id}',
    template,
  ),
  upstream: flag(
    '--upstream <ip:port>',
    'DNS upstream for other names (repeat; default: /etc/resolv.conf)',
    collectHostPorts,
  ),
  prefix: flagOr('--prefix <cidr>', 'the deployment /16', 'fdaa::/16', prefix),
  configDir: flagOr(
    '--config-dir <dir>',
    'where `sixpn agent join` wrote agent.toml and agent.token',
    DEFAULT_CONFIG_DIR,
  ),
  resync: flagOr(
    '--resync <seconds>',
    'full pass (and sweep of `sixpn run` instances) at least this often',
    30,
    numberIn('resync', 1, 3600),
  ),
  socket: flag(
    '--socket <path>',
    'local socket for `sixpn run` and the CNI plugin (default /run/sixpn/agent.sock; --lab: <state-dir>/agent.sock)',
  ),
  usageInterval: flag(
    '--usage-interval <duration>',
    'read and report private-traffic counters this often (default: SIXPN_USAGE_INTERVAL, else 60s)',
    usageInterval,
  ),
  metricsListen: flag(
    '--metrics-listen <addr:port>',
    'serve Prometheus /metrics on this loopback address, e.g. 127.0.0.1:9464 (default: SIXPN_METRICS_LISTEN, else none)',
    metricsListen,
  ),
  teardown: toggle(
    '--teardown',
    'remove what the agent made on this host (instances, mesh, nft table) and exit',
  ),
};

type AgentParsed = Parsed<typeof agentFlags>;
/** The flags given, with the config of `sixpn agent join` under them (when there is one). */
async function resolveFlags({ values: o, given }: AgentParsed) {
  const cfg = await loadDaemonConfig(o.configDir, 'agent', given('configDir'));
  const merged = {
    ...o,
    host: o.host ?? cfg?.name,
    region: o.region ?? cfg?.region,
    endpoint: o.endpoint ?? cfg?.endpoint,
    stateDir: pick(given('stateDir'), o.stateDir, cfg?.state_dir),
    meshInterface: pick(given('meshInterface'), o.meshInterface, cfg?.mesh_interface),
    wireguard: o.wireguard ?? cfg?.wireguard,
    lab: o.lab ?? cfg?.lab,
    netnsTemplate: pick(given('netnsTemplate'), o.netnsTemplate, cfg?.netns_template),
    upstream: o.upstream ?? cfg?.upstream,
    prefix: pick(given('prefix'), o.prefix, cfg?.prefix),
    metricsListen: o.metricsListen ?? cfg?.metrics_listen,
  };
  return { o: merged, cfg };
}

/** The agent's metrics listener from the flag, the config or SIXPN_METRICS_LISTEN (checked the same way). */
const metricsOption = (v: string | undefined) => (v ? { metricsListen: metricsListen(v) } : {});

async function agentAction(p: AgentParsed, ctx: CliContext): Promise<void> {
  const [{ createLogger }, { defaultWireguardMode }] = await Promise.all([
    import('../../lib/log.ts'),
    import('../../runtime/wg-interface.ts'),
  ]);
  const { o, cfg } = await resolveFlags(p);
  const logger = createLogger();
  const wireguard = o.wireguard ?? defaultWireguardMode();
  if (o.teardown) {
    const [{ teardown }, { realSeams }, { checkLabPlacement }] = await Promise.all([
      import('../../agent/teardown.ts'),
      import('../../agent/seams.ts'),
      import('../../agent/preflight.ts'),
    ]);
    if (o.lab) await checkLabPlacement();
    const seams = realSeams({
      meshIface: o.meshInterface,
      wireguard,
      stateDir: o.stateDir,
      logger,
      register: async () => {},
    });
    const n = await teardown(seams, { ...o, lab: o.lab === true, logger });
    ctx.io.stderr(`sixpn agent: removed ${n} instance(s), the mesh ${o.meshInterface} and the nft table\n`);
    return;
  }
  const missing = (['host', 'region', 'endpoint'] as const).filter((k) => o[k] === undefined);
  if (missing.length > 0) {
    throw invalid(
      `sixpn agent needs ${missing.map((m) => `--${m}`).join(', ')}, or the config of \`sixpn agent join\` (none in ${o.configDir})`,
      { field: missing[0] },
    );
  }
  const conn = await daemonConnection(ctx, cfg, 'agent');
  const { runAgent } = await import('../../agent/agent.ts');
  const { withSignals } = await import('../../runtime/signals.ts');
  await withSignals(async (signal) => {
    const a = await runAgent({
      host: o.host as string,
      region: o.region as string,
      ...conn,
      endpoint: o.endpoint as string,
      stateDir: o.stateDir,
      meshIface: o.meshInterface,
      wireguard,
      lab: o.lab === true,
      netnsTemplate: o.netnsTemplate,
      resyncMs: o.resync * 1000,
      socket: o.socket ?? (o.lab ? `${o.stateDir}/agent.sock` : '/run/sixpn/agent.sock'),
      ...(o.upstream ? { upstreams: o.upstream } : {}),
      prefix: o.prefix,
      usageIntervalMs: o.usageInterval ?? usageIntervalOf(ctx.io.env),
      ...metricsOption(o.metricsListen ?? ctx.io.env.SIXPN_METRICS_LISTEN),
      logger,
      signal,
    });
    await a.done;
  });
}

/** The join subcommand's view of the agent's flags: what to write into agent.toml. */
function joinSettings({ values: o, given }: AgentParsed): ParentSettings {
  return {
    configDir: o.configDir,
    name: o.host,
    endpoint: o.endpoint,
    settings: {
      state_dir: o.stateDir,
      ...(given('meshInterface') ? { mesh_interface: o.meshInterface } : {}),
      ...(o.wireguard ? { wireguard: o.wireguard } : {}),
      ...(o.lab ? { lab: true } : {}),
      ...(given('netnsTemplate') ? { netns_template: o.netnsTemplate } : {}),
      ...(o.upstream ? { upstream: o.upstream } : {}),
      ...(given('prefix') ? { prefix: o.prefix } : {}),
      ...(o.metricsListen ? { metrics_listen: o.metricsListen } : {}),
    },
  };
}

const envCommand: DaemonCommand<Record<string, never>, typeof agentFlags> = {
  name: 'env',
  description: "print an instance's SIXPN_* env from the agent's saved state (uses the agent's --state-dir)",
  flags: {},
  args: [{ name: '<id>', help: 'instance id', parse: instanceId }],
  async run(p, ctx) {
    const { instanceEnvText } = await import('../../agent/inject.ts');
    ctx.io.stdout(await instanceEnvText(p.values.stateDir, p.args[0] as string));
  },
};

const injectFlags = {
  rootfs: needed(flag('--rootfs <dir>', 'the root filesystem of the VM or container')),
  instance: needed(flag('--instance <id>', 'instance id', instanceId)),
};
const injectCommand: DaemonCommand<typeof injectFlags, typeof agentFlags> = {
  name: 'inject',
  description: 'write an instance’s /etc/hosts, resolv.conf, nsswitch.conf (when missing) and /etc/sixpn/env',
  flags: injectFlags,
  async run({ values: o }, ctx) {
    const { injectFiles } = await import('../../agent/inject.ts');
    const paths = await injectFiles(o.stateDir, o.instance, o.rootfs, parsePlanPrefix(o.prefix));
    for (const p of paths) ctx.out(`wrote ${p}`);
  },
};

/** `sixpn agent` and its subcommands. */
export const agentCommand: DaemonCommand<typeof agentFlags> = {
  name: 'agent',
  description:
    'run the host agent: instances, WireGuard mesh, isolation and .internal DNS of this host (root)',
  flags: agentFlags,
  after:
    '\nThe agent logs JSON to stderr and prints nothing on stdout. SIGTERM stops it and leaves instances, the\n' +
    'mesh and the firewall in place; a restarted agent adopts them. After `sixpn agent join` it runs with no\n' +
    'flags from --config-dir (flags given override the config); otherwise it uses --api and SIXPN_TOKEN.',
  run: agentAction,
  subcommands: [...joinCommands<typeof agentFlags>('agent', joinSettings), envCommand, injectCommand],
};
