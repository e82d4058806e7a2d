// `sixpn run --app APP [--org ORG] [--name N] [--rm] [--user U] [--env-file F] -- CMD ARGS…`: runs a process as an
// instance of APP on this host, through the local agent's socket (root).

import { DEFAULT_AGENT_SOCKET } from '../../client/agent-socket.ts';
import { label, text } from '../flags.ts';
import type { CommandGroup } from '../run.ts';

export const registerRun: CommandGroup = (program, ctx) => {
  program
    .command('run')
    .description(
      "run a command as an instance of an app on this host, on the app's 6PN (root; needs `sixpn agent`)",
    )
    .usage('--app APP [options] -- CMD [ARGS…]')
    .requiredOption('--app <app>', 'the app the instance belongs to', label('app'))
    .option('--org <org>', "the app's org (default: the one org with an app of that name)", label('org'))
    .option(
      '--name <name>',
      'a name for the instance, unique among the app’s instances on this host',
      label('name'),
    )
    .option('--rm', 'delete the instance when the command ends (default: stop it)')
    .option('--user <user>', 'run the command as this user (name or uid)', text('user', 64))
    .option('--env-file <file>', 'more environment variables, KEY=value lines', text('env-file', 4096))
    .option(
      '--agent-socket <path>',
      `the agent's socket (default: SIXPN_AGENT_SOCKET or ${DEFAULT_AGENT_SOCKET})`,
      text('agent-socket', 4096),
    )
    .argument('[cmd...]', 'the command and its arguments, after --')
    .addHelpText(
      'after',
      '\nThe command runs in the instance’s network namespace with its own /etc/hosts, /etc/resolv.conf and\n' +
        '/etc/nsswitch.conf and the SIXPN_* variables; INT, TERM and HUP reach it; the exit code is its own\n' +
        '(127: not found). When it ends the instance is stopped (--rm: deleted); when the instance is stopped\n' +
        'or deleted through the API, the agent sends sixpn run TERM, which ends the command.',
    )
    .action(async (cmd, o) => {
      const { runWorkload } = await import('../workload/run-process.ts');
      ctx.exitCode = await runWorkload({
        app: o.app,
        org: o.org,
        name: o.name,
        rm: o.rm === true,
        user: o.user,
        envFile: o.envFile,
        socket: o.agentSocket ?? process.env.SIXPN_AGENT_SOCKET ?? DEFAULT_AGENT_SOCKET,
        cmd,
        warn: (t) => ctx.io.stderr(t),
      });
    });
};
