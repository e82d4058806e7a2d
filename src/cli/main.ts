// The `sixpn` CLI (bin/sixpn.js imports this): runs the command groups of commands/index.ts on process.argv and
// sets the exit code. Tests run the same tree in-process with runCli and a CliContext over fake I/O.

import { commandGroups } from './commands/index.ts';
import { CliContext } from './context.ts';
import { nodeIo } from './node-io.ts';
import { runCli } from './run.ts';

process.exitCode = await runCli(commandGroups, process.argv.slice(2), new CliContext(nodeIo()));
