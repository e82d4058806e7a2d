// The lab's upstream resolver process: unbound in its namespace with the config of unbound-conf.ts.

import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { SixpnError } from '../core/errors.ts';
import type { LabPlan } from './plan.ts';
import { exitOf, isAlive, type ProcessRecord, startDetached, tailOf } from './processes.ts';
import { renderUnboundConf } from './unbound-conf.ts';

/** Writes the config and starts unbound in the foreground (so its PID is the one recorded). */
export async function startUpstream(p: LabPlan): Promise<ProcessRecord> {
  await mkdir(p.files.unboundDir, { recursive: true, mode: 0o700 });
  const conf = renderUnboundConf({
    address: p.upstream.address,
    dir: p.files.unboundDir,
    allow: ['198.18.0.0/15'],
  });
  await writeFile(p.files.unboundConf, conf, { mode: 0o600 });
  return startDetached(p.upstream.ns, 'unbound', ['-d', '-c', p.files.unboundConf], {
    log: p.files.unboundLog,
  });
}

/** Waits until unbound logs that it serves; a clear error with its log otherwise. */
export async function waitUpstream(rec: ProcessRecord, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let log = '';
    try {
      log = readFileSync(rec.log, 'utf8');
    } catch {
      // not written yet
    }
    if (log.includes('start of service')) return;
    if (!isAlive(rec) || Date.now() > end) {
      throw new SixpnError(
        'unavailable',
        `the lab's upstream resolver (unbound) did not start (${isAlive(rec) ? 'no answer' : exitOf(rec.pid)}); see ${rec.log}:\n${tailOf(rec.log)}`,
      );
    }
    await delay(50);
  }
}
