// The `sixpn` CLI (bin/sixpn.js imports this): registers every command group and runs. Adding a group is one
// import and one entry in `groups`; keep imports light (heavy modules load inside their command's action).

import { registerApps } from './commands/apps.ts';
import { registerGateways } from './commands/gateways.ts';
import { registerHosts } from './commands/hosts.ts';
import { registerInstances } from './commands/instances.ts';
import { registerLogin } from './commands/login.ts';
import { registerNetworks } from './commands/networks.ts';
import { registerOrgs } from './commands/orgs.ts';
import { registerRegions } from './commands/regions.ts';
import { registerServer } from './commands/server.ts';
import { registerTokens } from './commands/tokens.ts';
import { CliContext } from './context.ts';
import { nodeIo } from './node-io.ts';
import { type CommandGroup, runCli } from './run.ts';

const groups: CommandGroup[] = [
  registerServer,
  registerLogin,
  registerOrgs,
  registerNetworks,
  registerRegions,
  registerHosts,
  registerGateways,
  registerApps,
  registerInstances,
  registerTokens,
];

process.exitCode = await runCli(groups, process.argv.slice(2), new CliContext(nodeIo()));
