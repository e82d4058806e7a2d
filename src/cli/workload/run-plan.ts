// The pure parts of `sixpn run`: the command line that puts CMD in the instance's network namespace with a private
// mount namespace where /etc/hosts, /etc/resolv.conf and /etc/nsswitch.conf are the instance's (nsenter, unshare
// and a POSIX shell; util-linux's setpriv for --user), its environment, env files, /etc/passwd lookups and the
// exit code of a child that ended.

import { constants } from 'node:os';
import { invalid } from '../../core/errors.ts';

/** What `sixpn run` needs of the agent's answer (AGENT-SOCKET.md). */
export interface RunTarget {
  netns: string;
  etc_dir: string;
  env: Record<string, string>;
}

export interface RunUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The files bind-mounted over the machine's in the command's private mount namespace. */
export const ETC_FILES = ['hosts', 'resolv.conf', 'nsswitch.conf'] as const;

// $1: the instance's etc dir; the rest: the command. `exec` keeps the shell's pid, so CMD gets the signals sent
// to it and its exit code is the process's (127: not found, 126: not executable, as POSIX shells say).
const SCRIPT = [
  'd=$1; shift',
  `for f in ${ETC_FILES.join(' ')}; do mount --bind "$d/$f" "/etc/$f" || exit 125; done`,
  'exec "$@"',
].join('\n');

/** The argv (program first) that runs `cmd` in the instance; every piece of user input is an argument, never shell text. */
export function runArgv(t: RunTarget, cmd: readonly string[], user?: RunUser): string[] {
  if (cmd.length === 0)
    throw invalid('sixpn run needs a command after --, e.g. sixpn run --app web -- ./server');
  const as = user ? ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'] : [];
  return [
    'nsenter',
    `--net=${t.netns}`,
    '--',
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    SCRIPT,
    'sixpn-run',
    t.etc_dir,
    ...as,
    ...cmd,
  ];
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses an env file: `KEY=value` lines, `export ` allowed, `#` comments, values optionally in ' or " quotes. */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const eq = body.indexOf('=');
    const key = eq < 0 ? body : body.slice(0, eq);
    if (eq < 0 || !ENV_KEY.test(key)) {
      throw invalid(`${file}:${n + 1}: expected KEY=value (KEY of letters, digits and _), got '${line}'`, {
        field: 'env-file',
      });
    }
    let value = body.slice(eq + 1);
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
    out[key] = value;
  }
  return out;
}

/** The environment of CMD: sixpn run's own, the env file's, then the instance's SIXPN_* (which win). */
export function runEnv(
  base: Readonly<Record<string, string | undefined>>,
  file: Readonly<Record<string, string>>,
  t: RunTarget,
  user?: RunUser,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (user) Object.assign(env, { USER: user.name, LOGNAME: user.name, HOME: user.home });
  return { ...env, ...file, ...t.env };
}

/** Finds `user` (a name or a numeric uid) in /etc/passwd text. */
export function findUser(passwd: string, user: string): RunUser {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    const [name, , uid, gid, , home] = f;
    if (name === user || uid === user) {
      return { name: name as string, uid: Number(uid), gid: Number(gid), home: home as string };
    }
  }
  throw invalid(`user '${user}' is not in /etc/passwd`, { field: 'user' });
}

/** The exit code of `sixpn run`: CMD's, or 128 + the signal number when a signal ended it (as shells report). */
export function exitCodeOfChild(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? constants.signals[signal] : undefined;
  return n === undefined ? 1 : 128 + n;
}
