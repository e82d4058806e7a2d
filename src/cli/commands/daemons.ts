// The command groups of the long-running daemons (`sixpn agent`, `sixpn gateway`), apart from the other groups so
// that the daemon entry (../daemon-main.ts, bundled into one file by scripts/bundle.mjs) holds only their code.
// Their command lines are parsed by ../daemon-cli.ts, not commander; in the full CLI commander only lists them.

import type { DaemonCommand } from '../daemon-cli.ts';
import type { LazyGroup } from '../run.ts';

/** The daemons' commands by name, each loaded when run. */
export const daemonCommands: Readonly<Record<'agent' | 'gateway', () => Promise<DaemonCommand>>> = {
  agent: async () => (await import('./agent.ts')).agentCommand,
  gateway: async () => (await import('./gateway.ts')).gatewayCommand,
};

export const daemonGroups: readonly LazyGroup[] = Object.entries(daemonCommands).map(([name, daemon]) => ({
  names: [name],
  daemon,
  load: async () => {
    const d = await daemon();
    return (program) => {
      program.command(d.name).description(d.description);
    };
  },
}));
