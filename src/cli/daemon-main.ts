// The daemons' entry (bin/sixpn.js runs it for `sixpn agent …` and `sixpn gateway …`): the CLI of main.ts with the
// agent and gateway groups only. `npm run build` bundles it with every module it imports into dist/cli/daemon.js
// (scripts/bundle.mjs): one file instead of ~240 modules to resolve and load, for a smaller idle daemon.

import { daemonGroups } from './commands/daemons.ts';
import { CliContext } from './context.ts';
import { nodeIo } from './node-io.ts';
import { runCli } from './run.ts';

process.exitCode = await runCli(daemonGroups, process.argv.slice(2), new CliContext(nodeIo()));
