// Checks before the agent touches anything: which namespace it runs in (it never changes the machine's own network
// in lab mode), and that namespaces it creates will be visible outside its own mount namespace.

import { readFile } from 'node:fs/promises';
import { SixpnError } from '../core/errors.ts';
import { currentNetnsName } from '../runtime/netns.ts';

/**
 * True when /run/netns is a slave-only mount here (a process started by `ip netns exec`): a namespace made with
 * `ip netns add` would then be a mount that only this process's mount namespace sees.
 */
export function netnsMountIsPrivate(mountinfo: string): boolean {
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f[4] !== '/run/netns' && f[4] !== '/var/run/netns') continue;
    const opts = f.slice(6, f.indexOf('-'));
    return opts.some((o) => o.startsWith('master:')) && !opts.some((o) => o.startsWith('shared:'));
  }
  return false;
}

/** Lab mode: run inside a named namespace, in the machine's mount namespace. Returns that namespace's name. */
export async function checkLabPlacement(): Promise<string> {
  const ns = await currentNetnsName();
  if (ns === undefined) {
    throw new SixpnError(
      'failed_precondition',
      '--lab creates namespaces, links and routes: run the agent inside the lab host namespace ' +
        '(nsenter --net=/run/netns/NAME -- sixpn agent …), never in the machine’s own network namespace',
    );
  }
  if (netnsMountIsPrivate(await readFile('/proc/self/mountinfo', 'utf8'))) {
    throw new SixpnError(
      'failed_precondition',
      `the agent runs in a private mount namespace (started with \`ip netns exec ${ns}\`?): the instance ` +
        `namespaces it creates would be invisible to everyone else; start it with nsenter --net=/run/netns/${ns} -- …`,
    );
  }
  return ns;
}
