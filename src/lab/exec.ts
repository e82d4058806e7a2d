// `sixpn lab exec NODE -- CMD`: runs a command inside one node of the lab — a host or gateway by name, an
// instance by id (its namespace, its /etc/netns files, its env file applied), `laptop` (with the resolvconf
// shim and wg-quick on wireguard-go), or the lab's own `ul` and `dns` namespaces — and returns its exit code.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { SixpnError } from '../core/errors.ts';
import { netnsExists } from '../runtime/netns.ts';
import { laptopEnv } from './laptop.ts';
import { findNode, INSTANCE_NS_PREFIX, type LabPlan, labNodes } from './plan.ts';

export interface ExecTarget {
  ns: string;
  env: Record<string, string>;
  /** What it is, for messages: `host ord1`, `instance 0a7b007d (web)`. */
  what: string;
}

/** Parses an env file of `KEY=value` lines (optionally quoted; `#` comments and blank lines skipped). Pure. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1]) continue;
    let v = m[2] ?? '';
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/** The env file an agent of the lab wrote for instance `id`, with the host it is on; undefined if none has. */
export function findInstanceEnv(
  p: LabPlan,
  id: string,
): { host: string; env: Record<string, string> } | undefined {
  for (const n of labNodes(p)) {
    let files: string[];
    try {
      files = readdirSync(join(n.stateDir, 'instances'));
    } catch {
      continue;
    }
    if (files.includes(`${id}.env`)) {
      return {
        host: n.name,
        env: parseEnvFile(readFileSync(join(n.stateDir, 'instances', `${id}.env`), 'utf8')),
      };
    }
  }
  return undefined;
}

/** Resolves NODE to a namespace and environment; a clear error naming what exists otherwise. */
export async function execTarget(p: LabPlan, node: string): Promise<ExecTarget> {
  if (node === 'laptop') return { ns: p.laptop.ns, env: laptopEnv(p), what: 'the laptop' };
  if (node === 'ul' || node === 'underlay') return { ns: p.underlay.ns, env: {}, what: 'the underlay' };
  if (node === 'dns' || node === 'upstream')
    return { ns: p.upstream.ns, env: {}, what: 'the upstream resolver' };
  const n = findNode(p, node);
  if (n) return { ns: n.ns, env: {}, what: `${n.role} ${n.name}` };
  const id = node.toLowerCase();
  if (/^[0-9a-f]{8}$/.test(id)) {
    const ns = `${INSTANCE_NS_PREFIX}${id}`;
    const found = findInstanceEnv(p, id);
    if (!(await netnsExists(ns))) {
      throw new SixpnError(
        'not_found',
        `instance ${id} has no namespace in the lab (stopped, deleted, or not yet set up by its agent); see \`sixpn lab status\``,
      );
    }
    return { ns, env: found?.env ?? {}, what: `instance ${id}${found ? ` on ${found.host}` : ''}` };
  }
  const names = ['laptop', ...labNodes(p).map((x) => x.name), '<instance id>'];
  throw new SixpnError('not_found', `no lab node '${node}'; use one of: ${names.join(', ')}`);
}

/** Runs `cmd` in the target with the terminal attached; resolves with its exit code (128+N when killed). */
export function execIn(t: ExecTarget, cmd: readonly string[]): Promise<number> {
  if (cmd.length === 0)
    throw new SixpnError('invalid_argument', 'nothing to run: sixpn lab exec NODE -- CMD [ARGS…]');
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', t.ns, ...cmd], {
      stdio: 'inherit',
      env: { ...process.env, ...t.env },
    });
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? constants.signals[sig] : 1)));
  });
}
