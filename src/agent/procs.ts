// What the agent reads of processes for `sixpn run`'s instances: whether the process that asked for one still
// lives (its pid and start time, so a reused pid is not taken for it), and whether any process is still inside
// an instance's network namespace. Reads /proc of the agent's pid namespace (the machine's, as it must run in).

import { readdir, readFile, stat } from 'node:fs/promises';

/** Field 22 (starttime, clock ticks since boot) of a /proc/PID/stat line; the command may hold spaces and ")". */
export function parseStartTime(stat: string): string | undefined {
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // `after` starts at field 3 (state): field 22 is at index 19
  const v = after[19];
  return v !== undefined && /^[0-9]+$/.test(v) ? v : undefined;
}

/** The start time of `pid`, or undefined when it does not exist. */
export async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    return parseStartTime(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when process `pid` started at `start` still runs. */
export async function holderAlive(h: { pid: number; start: string }): Promise<boolean> {
  return (await startTimeOf(h.pid)) === h.start;
}

/** SIGTERM to `h` when it is still the process that started at `h.start` (a reused pid is left alone). */
export async function terminate(h: { pid: number; start: string }): Promise<void> {
  if (!(await holderAlive(h))) return;
  try {
    process.kill(h.pid, 'SIGTERM');
  } catch {
    // ended meanwhile
  }
}

/** True when some process has the network namespace of file `nsFile` (e.g. `/run/netns/sixpn-i-<id>`). */
export async function netnsInUse(nsFile: string): Promise<boolean> {
  let want: { ino: bigint; dev: bigint };
  try {
    want = await stat(nsFile, { bigint: true });
  } catch {
    return false;
  }
  const pids = (await readdir('/proc')).filter((n) => /^[0-9]+$/.test(n));
  for (const pid of pids) {
    try {
      const s = await stat(`/proc/${pid}/ns/net`, { bigint: true });
      if (s.ino === want.ino && s.dev === want.dev) return true;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return false;
}
