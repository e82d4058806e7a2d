// `sixpn lab up|status|env|exec|logs|down`: a whole multi-host fleet in network namespaces of this machine
// (src/lab). The lab modules load inside the actions, so other commands do not pay for them.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option } from '@commander-js/extra-typings';
import { SixpnError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import type { CommandGroup, Program } from '../run.ts';

async function recordedLab(name: string | undefined) {
  const [{ labPlan, labDirOf }, { readLabState }] = await Promise.all([
    import('../../lab/plan.ts'),
    import('../../lab/state.ts'),
  ]);
  const state = readLabState(`${labDirOf(name)}/lab.json`);
  if (!state) {
    const which = name ? ` named ${name}` : '';
    const up = name ? `sixpn lab --name ${name} up` : 'sixpn lab up';
    throw new SixpnError('failed_precondition', `no lab${which} is up; bring one up with: ${up}`);
  }
  return { plan: labPlan(state.options), state };
}

function labCommand(program: Program) {
  return program
    .command('lab')
    .description('a multi-host fleet in network namespaces of this machine, with a demo (root)')
    .option('--name <name>', 'a named lab, beside the default one (env SIXPN_LAB); 1–6 of a-z 0-9');
}

type LabCommand = ReturnType<typeof labCommand>;
type LabName = () => Promise<string | undefined>;

function labUpCommand(lab: LabCommand, ctx: CliContext, labName: LabName): void {
  lab
    .command('up')
    .description('build the lab: underlay, hosts with agents, control plane, upstream resolver, laptop, demo')
    .option('--regions <list>', 'hosts per region, like ord:2,nrt:1 (known region codes only)', 'ord:2,nrt:1')
    .option('--gateways <list>', 'regions that get a WireGuard gateway, like ord (needs `sixpn gateway`)', '')
    .option('--no-demo', 'do not create the demo orgs, apps and instances')
    .option('--json', 'print what was built as JSON')
    .action(async (o) => {
      const [{ parseRegionCounts, parseGatewayRegions }, { labUp }, { renderUp }] = await Promise.all([
        import('../../lab/regions.ts'),
        import('../../lab/up.ts'),
        import('../../lab/summary.ts'),
      ]);
      const regions = parseRegionCounts(o.regions);
      const gateways = parseGatewayRegions(o.gateways);
      const started = Date.now();
      const name = await labName();
      const { plan, state } = await labUp({
        regions,
        gateways,
        name,
        noDemo: !o.demo,
        progress: (line) => ctx.io.stderr(`lab: ${line}\n`),
      }).catch(async (e: unknown) => {
        const { existsSync } = await import('node:fs');
        const dir = (await import('../../lab/plan.ts')).labDirOf(name);
        if (existsSync(`${dir}/lab.json`)) {
          ctx.io.stderr(
            `lab: up failed; logs are in ${dir}/logs; \`sixpn lab down\` removes what was built\n`,
          );
        }
        throw e;
      });
      ctx.io.stderr(`lab: ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      if (o.json) ctx.json({ dir: plan.dir, api: plan.underlay, hosts: plan.hosts, demo: state.demo });
      else ctx.out(renderUp(plan, state));
    });
}

function labInspectCommands(lab: LabCommand, ctx: CliContext, labName: LabName): void {
  lab
    .command('status')
    .description('nodes, processes (alive?), addresses, agents and instances of the lab')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const [{ labStatus }, { renderStatus }] = await Promise.all([
        import('../../lab/status.ts'),
        import('../../lab/summary.ts'),
      ]);
      const st = await labStatus(await labName());
      if (o.json) ctx.json(st);
      else ctx.io.stdout(renderStatus(st));
      if (st.phase !== 'none' && !st.up) ctx.exitCode = 1;
    });

  lab
    .command('env')
    .description('print export lines that point the CLI at the lab: eval "$(sixpn lab env)"')
    .action(async () => {
      const [{ renderEnv }, { caFingerprintOf }] = await Promise.all([
        import('../../lab/summary.ts'),
        import('../../control/tls.ts'),
      ]);
      const { plan, state } = await recordedLab(await labName());
      const fp = caFingerprintOf(await readFile(plan.files.caCert, 'utf8').catch(() => ''));
      ctx.io.stdout(renderEnv(plan, state, fp && `sha256:${fp}`));
    });

  lab
    .command('console')
    .description(
      'open the web console of the lab: forwards 127.0.0.1:PORT to the control plane (Ctrl-C stops)',
    )
    .option('--port <port>', 'loopback port of this machine', '4281')
    .action(async (o) => {
      const { forwardConsole } = await import('../../lab/console-forward.ts');
      const { plan } = await recordedLab(await labName());
      const fwd = await forwardConsole(plan.files.socket, Number(o.port));
      ctx.io.stderr(
        `console: open ${fwd.url} and sign in with the lab's admin token (sixpn lab env prints it); Ctrl-C stops\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await fwd.close();
    });

  lab
    .command('exec')
    .description('run a command in a lab node: a host name, an instance id, laptop, ul or dns')
    .usage('NODE -- CMD [ARGS…]')
    .argument('<node>', 'host name (ord1), instance id, laptop, ul or dns')
    .argument('[cmd...]', 'the command and its arguments, after --')
    .action(async (node, cmd) => {
      const [{ execTarget, execIn }, { preflight }] = await Promise.all([
        import('../../lab/exec.ts'),
        import('../../lab/preflight.ts'),
      ]);
      preflight(['ip'], 'lab exec');
      const { plan } = await recordedLab(await labName());
      ctx.exitCode = await execIn(await execTarget(plan, node), cmd);
    });

  lab
    .command('logs')
    .description('show the logs of the lab (one node, control, unbound, or all)')
    .argument('[node]', 'host or gateway name, control, or unbound')
    .option('-f, --follow', 'keep printing new lines')
    .addOption(new Option('-n, --lines <n>', 'lines to show from each file').default('50'))
    .action(async (node, o) => {
      const { logFiles, showLogs } = await import('../../lab/logs.ts');
      const { plan } = await recordedLab(await labName());
      const files = logFiles(plan, node);
      if (files.length === 0) throw new SixpnError('not_found', `no logs in ${plan.files.logs}`);
      ctx.exitCode = await showLogs(files, { follow: o.follow === true, lines: Number(o.lines) || 50 });
    });
}

function labLifecycleCommands(lab: LabCommand, ctx: CliContext, labName: LabName): void {
  lab
    .command('restart')
    .description(
      "restart a host's agent, a gateway or the control plane (SIGTERM, or SIGKILL with --kill) and wait until it has caught up",
    )
    .argument('<node>', 'host or gateway name (ord1, ord-gw1), or control')
    .option('--kill', 'SIGKILL it, as a crash would')
    .action(async (node, o) => {
      const { restartAgent, restartControl } = await import('../../lab/restart.ts');
      const opts = { kill: o.kill === true, name: await labName() };
      const r = node === 'control' ? await restartControl(opts) : await restartAgent(node, opts);
      const done = node === 'control' ? 'the control plane restarted' : `${r.host} restarted`;
      const how = node === 'control' ? 'answers' : 'caught up';
      ctx.out(`${done} (pid ${r.old?.pid ?? '-'} → ${r.new.pid}) and ${how}`);
    });

  lab
    .command('down')
    .description('remove every namespace, interface, process and file of the lab (safe to run twice)')
    .action(async () => {
      const { labDown } = await import('../../lab/down.ts');
      const r = await labDown({ name: await labName(), progress: (line) => ctx.io.stderr(`lab: ${line}\n`) });
      ctx.out(
        r.namespaces.length === 0 && r.processes === 0
          ? 'no lab here; nothing to remove'
          : `lab removed: ${r.processes} processes stopped, ${r.namespaces.length} namespaces deleted`,
      );
    });

  lab
    .command('serve-control', { hidden: true })
    .description('the lab control plane process (run by lab up inside the underlay namespace)')
    .requiredOption('--dir <dir>', 'the lab dir')
    .requiredOption('--listen <addr>', 'HOST:PORT for agents')
    .action(async (o) => {
      const { serveLabControl } = await import('../../lab/serve-control.ts');
      // The admin token is in DIR/admin.token (0600), never in argv or the environment.
      const adminToken = (await readFile(join(o.dir, 'admin.token'), 'utf8')).trim();
      if (!adminToken) throw new SixpnError('invalid_argument', `${join(o.dir, 'admin.token')} is empty`);
      await serveLabControl({ dir: o.dir, listen: o.listen, adminToken });
    });
}

export const registerLab: CommandGroup = (program, ctx) => {
  const lab = labCommand(program);
  /** The lab a subcommand acts on: `--name`, else SIXPN_LAB, else the default lab. */
  const labName = async () => {
    const name = lab.opts().name ?? (ctx.io.env.SIXPN_LAB || undefined);
    if (name !== undefined) (await import('../../lab/plan.ts')).checkLabName(name);
    return name;
  };
  labUpCommand(lab, ctx, labName);
  labInspectCommands(lab, ctx, labName);
  labLifecycleCommands(lab, ctx, labName);
};
