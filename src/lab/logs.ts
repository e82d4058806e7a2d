// `sixpn lab logs [NODE] [-f]`: the log files of the lab's processes (logs/<name>.log), shown with `tail`.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SixpnError } from '../core/errors.ts';
import type { LabPlan } from './plan.ts';

/** The log files for NODE (a host, gateway, `control` or `unbound`), or every log when NODE is omitted. */
export function logFiles(p: LabPlan, node: string | undefined): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(p.files.logs)
      .filter((f) => f.endsWith('.log'))
      .sort();
  } catch {
    files = [];
  }
  if (node === undefined) return files.map((f) => join(p.files.logs, f));
  const name = node === 'dns' || node === 'upstream' ? 'unbound' : node;
  if (files.includes(`${name}.log`)) return [join(p.files.logs, `${name}.log`)];
  const known = files.map((f) => f.replace(/\.log$/, ''));
  throw new SixpnError('not_found', `no log for '${node}'; there are: ${known.join(', ') || 'none'}`);
}

/** Prints the last `lines` lines of the files, and follows them with `follow`. Resolves with tail's exit code. */
export function showLogs(files: readonly string[], o: { follow: boolean; lines: number }): Promise<number> {
  const args = ['-n', String(o.lines), ...(o.follow ? ['-F'] : []), ...files];
  return new Promise((resolve, reject) => {
    const child = spawn('tail', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 0));
  });
}
