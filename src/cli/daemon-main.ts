// The daemons' entry (bin/sixpn.js runs it for `sixpn agent …` and `sixpn gateway …`): their command lines on
// daemon-cli.ts, without commander. `npm run build` bundles it with every module it imports into dist/cli/daemon.js
// (scripts/bundle.mjs): one file instead of ~240 modules to resolve and load, for a smaller idle daemon.

import { daemonCommands } from './commands/daemons.ts';
import { CliContext } from './context.ts';
import { runDaemonCli } from './daemon-cli.ts';
import { nodeIo } from './node-io.ts';

const argv = process.argv.slice(2);
const top = await daemonCommands[argv[0] === 'gateway' ? 'gateway' : 'agent']();
process.exitCode = await runDaemonCli(top, argv, new CliContext(nodeIo()));
