// `sixpn gateway`: runs a WireGuard gateway (until SIGINT/SIGTERM), or removes what it made (--teardown).
// The gateway modules load inside the action.

import { Option } from '@commander-js/extra-typings';
import { invalid } from '../../core/errors.ts';
import { requireToken } from '../connection.ts';
import type { CliContext } from '../context.ts';
import { collectHostPorts, endpoint, iface, label, numberIn, prefix, regionCode } from '../flags.ts';
import type { CommandGroup, Program } from '../run.ts';

const port = numberIn('port', 1, 65535);
const seconds = numberIn('seconds', 0.05, 3600);

const DEFAULT_STATE_DIR = '/var/lib/sixpn/gateway';

function gatewayCommand(program: Program) {
  return program
    .command('gateway')
    .description(
      'run a WireGuard gateway: peers of its region, their isolation and DNS, joined to the mesh (root)',
    )
    .option('--name <name>', 'this gateway, as created with `sixpn gateways create`', label('gateway name'))
    .option('--region <code>', "this gateway's region", regionCode)
    .option(
      '--endpoint <ip:port>',
      'underlay endpoint of the host mesh; its port is the mesh listen port',
      endpoint,
    )
    .option(
      '--peer-endpoint <host:port>',
      'where peers connect (written into their files); its port is the peer listen port',
    )
    .option('--state-dir <dir>', 'keys, saved state, status.json', DEFAULT_STATE_DIR)
    .option('--mesh-interface <iface>', 'WireGuard mesh interface (unique on the machine)', iface, 'sxmesh0')
    .option(
      '--peer-interface <iface>',
      'WireGuard interface for peers (unique on the machine)',
      iface,
      'sxpeers0',
    )
    .addOption(
      new Option(
        '--wireguard <impl>',
        'kernel (wg) or userspace (wireguard-go); default: kernel when loaded',
      ).choices(['userspace', 'kernel'] as const),
    )
    .option(
      '--upstream <ip:port>',
      'DNS upstream for other names (repeat; default: /etc/resolv.conf)',
      collectHostPorts,
    )
    .option('--dns-port <port>', 'local port DNS for fdaa:N:N::3 is redirected to', port, 5353)
    .option('--report-interval <seconds>', 'how often peer handshakes and traffic are reported', seconds, 5)
    .option('--prefix <cidr>', 'the deployment /16', prefix, 'fdaa::/16')
    .option('--teardown', 'remove the interfaces and nft table this gateway made, and exit')
    .addHelpText(
      'after',
      '\nThe gateway logs JSON to stderr and prints nothing on stdout. SIGTERM stops it and leaves WireGuard,\n' +
        'routes and the firewall in place; a restarted gateway adopts them. Uses --api/--token (or SIXPN_API_URL,\n' +
        'SIXPN_TOKEN) with the gateway token `sixpn gateways create` printed.',
    );
}

type GatewayFlags = ReturnType<ReturnType<typeof gatewayCommand>['opts']>;

async function gatewayAction(o: GatewayFlags, ctx: CliContext): Promise<void> {
  const [{ createLogger }, { defaultWireguardMode }] = await Promise.all([
    import('../../lib/log.ts'),
    import('../../runtime/wg-interface.ts'),
  ]);
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
    throw invalid(`sixpn gateway needs ${flags.join(', ')}`, { field: missing[0] });
  }
  const conn = await ctx.connection();
  const { runGateway } = await import('../../gateway/gateway.ts');
  const { withSignals } = await import('../../runtime/signals.ts');
  await withSignals(async (signal) => {
    const g = await runGateway({
      name: o.name as string,
      region: o.region as string,
      api: conn.api,
      token: requireToken(conn),
      ...(await ctx.apiFetch()),
      endpoint: o.endpoint as string,
      peerEndpoint: o.peerEndpoint as string,
      stateDir: o.stateDir,
      meshIface: o.meshInterface,
      peerIface: o.peerInterface,
      wireguard,
      ...(o.upstream ? { upstreams: o.upstream } : {}),
      dnsPort: o.dnsPort,
      reportMs: o.reportInterval * 1000,
      prefix: o.prefix,
      logger,
      signal,
    });
    await g.done;
  });
}

export const registerGateway: CommandGroup = (program, ctx) => {
  gatewayCommand(program).action((o) => gatewayAction(o, ctx));
};
