// CPU seconds of the parties of a benchmark run on one machine: this process, a server child (its `cpu` command)
// and a PostgreSQL server (its postmaster and every backend, from /proc), so a figure can say who spent what.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** This process's CPU seconds so far (user + system). */
export function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** The postmaster's pid of the server at `url` (read from its data directory). */
export async function postmasterPid(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ data_directory: string }>('show data_directory');
    return Number(readFileSync(join(rows[0]!.data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } finally {
    await c.end();
  }
}

/** CPU seconds of the postmaster `pid` and its live children (backends that exited meanwhile are not counted). */
export function postgresCpu(pid: number): number {
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(d) === pid || Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_S;
}
