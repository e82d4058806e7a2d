// `sixpn dns` runs the `.internal` DNS server standalone, fed by the control plane's watch stream;
// `sixpn dig [TYPE] NAME` asks it the way an instance would and prints answers like `dig +short`.

import { parsePlanPrefix } from '../../core/address.ts';
import { invalid, SixpnError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { collectHostPorts, flagOf, hostPort, label, prefix, regionCode } from '../flags.ts';
import type { CommandGroup, Program } from '../run.ts';

const networkNum = flagOf((v) => {
  if (!/^[1-9][0-9]{0,9}$/.test(v) || Number(v) > 0xffff_ffff) {
    throw invalid(`'${v}' is not a network number (1 to 4294967295)`, { field: 'default-network' });
  }
  return Number(v);
});
const workerCount = flagOf((v) => {
  if (!/^[1-9][0-9]?$/.test(v) || Number(v) > 64) throw invalid(`'${v}' is not a worker count (1 to 64)`);
  return Number(v);
});
const RECORD_TYPE = /^(A|AAAA|TXT|SOA|NS|CNAME|MX|SRV|PTR|CAA|ANY)$/i;

function dnsCommand(program: Program, ctx: CliContext): void {
  program
    .command('dns')
    .description(
      'run the .internal DNS server standalone, following the control plane (stops on SIGINT/SIGTERM)',
    )
    .requiredOption(
      '--listen <addr>',
      'ADDR[:PORT] to answer on (repeat; port 53 by default)',
      collectHostPorts,
    )
    .option(
      '--upstream <addr>',
      'upstream resolver for other names (repeat; default: /etc/resolv.conf)',
      collectHostPorts,
    )
    .option('--region <code>', 'region of the askers, origin of top<N>.nearest.of answers', regionCode)
    .option(
      '--default-network <num>',
      'answer askers outside every network as this network (debugging)',
      networkNum,
    )
    .option('--prefix <cidr>', 'the deployment /16', prefix, 'fdaa::/16')
    .option(
      '--workers <n>',
      'threads answering, each on its own SO_REUSEPORT socket (default: cores, ≤ 4)',
      workerCount,
    )
    .action(async (o) => {
      (await import('../daemon-setup.ts')).refuseArgvToken(ctx, 'dns');
      const client = await ctx.client();
      const [{ withSignals }, { followAndServe }, { defaultDnsWorkers }] = await Promise.all([
        import('../../runtime/signals.ts'),
        import('../../dns/follow-state.ts'),
        import('../../dns/dns-workers.ts'),
      ]);
      await withSignals(async (signal) => {
        const running = await followAndServe({
          client,
          listen: o.listen,
          plan: parsePlanPrefix(o.prefix),
          signal,
          workers: o.workers ?? defaultDnsWorkers(),
          ...(o.upstream ? { upstreams: o.upstream } : {}),
          ...(o.region ? { region: o.region } : {}),
          ...(o.defaultNetwork !== undefined ? { defaultNetwork: o.defaultNetwork } : {}),
          listening: (at) =>
            ctx.io.stderr(`sixpn dns: answering on ${at.join(', ')}, following ${client.baseUrl}\n`),
        });
        await running.done;
      });
    });
}

function digCommand(program: Program, ctx: CliContext): void {
  program
    .command('dig')
    .description('ask the .internal DNS the way an instance would; prints answers like `dig +short`')
    .argument('<type-or-name>', 'record type (AAAA by default) or the name')
    .argument('[name]', 'the name, when a type is given first')
    .option(
      '--server <addr>',
      'ADDR[:PORT] to ask (default fdaa::3, or fdaa:N:N::3 with --network)',
      hostPort,
    )
    .option(
      '--network <net>',
      'ask as this network: a number, or a network name of the org (asks its fdaa:N:N::3)',
    )
    .option('--org <org>', 'org of a --network given by name', label('org name'))
    .option('--tcp', 'ask over TCP')
    .option('--prefix <cidr>', 'the deployment /16', prefix, 'fdaa::/16')
    .action(async (first, second, o) => {
      const { dig } = await import('../../dns/dig.ts');
      let type = 'AAAA';
      let name = first;
      if (second !== undefined) {
        if (!RECORD_TYPE.test(first)) {
          throw invalid(
            `'${first}' is not a record type (AAAA, A, TXT, SOA, …); usage: sixpn dig [TYPE] NAME`,
          );
        }
        type = first.toUpperCase();
        name = second;
      }
      let network: number | undefined;
      if (o.network !== undefined) {
        if (/^[0-9]+$/.test(o.network)) network = networkNum(o.network);
        else {
          const net = label('network name')(o.network);
          network = (await (await ctx.client()).getNetwork(await ctx.org(o.org), net)).num;
        }
      }
      const r = await dig({
        name,
        type,
        plan: parsePlanPrefix(o.prefix),
        ...(o.server ? { server: o.server } : {}),
        ...(network !== undefined ? { network } : {}),
        ...(o.tcp ? { tcp: true } : {}),
      });
      for (const line of r.lines) ctx.out(line);
      if (r.rcode !== 'NOERROR') {
        throw new SixpnError(
          r.rcode === 'NXDOMAIN' ? 'not_found' : 'unavailable',
          `${name}: ${r.rcode} from ${r.server}`,
        );
      }
    });
}

export const registerDns: CommandGroup = (program, ctx) => {
  dnsCommand(program, ctx);
  digCommand(program, ctx);
};
