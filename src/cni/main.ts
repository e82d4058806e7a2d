// Entry point of the `sixpn` CNI plugin (cni/sixpn runs this): reads the CNI_* environment and stdin, runs one
// invocation against the local agent's socket and the container's namespace, prints the result (SPEC.md §2).

import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { agentSocket } from './agent-client.ts';
import { type PluginSeams, runPlugin } from './plugin.ts';
import { type ObservedLink, parseIpAddrJson } from './result.ts';

/** The interface inside the namespace at `netns` (`nsenter --net` then `ip -j addr`): undefined when absent. */
function inspectLink(netns: string, ifname: string): Promise<ObservedLink | undefined> {
  return new Promise((resolve, reject) => {
    execFile(
      'nsenter',
      [`--net=${netns}`, '--', 'ip', '-j', 'addr', 'show', 'dev', ifname],
      { timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err === null) return resolve(parseIpAddrJson(stdout));
        if (/does not exist/.test(stderr)) return resolve(undefined);
        reject(
          new Error(`nsenter --net=${netns} ip addr show dev ${ifname}: ${stderr.trim() || err.message}`),
        );
      },
    );
  });
}

const seams: PluginSeams = {
  agent: (socketPath) => agentSocket(socketPath),
  pathExists: (path) =>
    access(path).then(
      () => true,
      () => false,
    ),
  inspectLink,
};

// VERSION may come with nothing on stdin; a terminal on stdin (someone ran it by hand) counts as nothing too.
const stdin = process.stdin.isTTY ? '' : await text(process.stdin);
const out = await runPlugin(process.env, stdin, seams);
process.stdout.write(out.stdout);
process.stderr.write(out.stderr);
process.exitCode = out.exitCode;
