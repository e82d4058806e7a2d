// Health checks in the store: what hosts report (the last status of each check of each of their instances, not
// revisioned) and each instance's verdict (revisioned: a change of it is a change of the instance, which the
// watch stream carries to every host's DNS). The verdict rule is src/core/serving.ts `verdictOf`.

import { notFound } from '../../core/errors.ts';
import type { Check, CheckStatus, Health, Instance } from '../../core/model.ts';
import { verdictOf } from '../../core/serving.ts';
import { appByName, byKey, instancesQuery, orgByName } from './queries.ts';
import type { Db } from './schema.ts';
import { revisioned, type StoreContext, type WriteTx } from './write.ts';

/** One transition a host reports. */
export interface CheckReport {
  instance: string;
  check: string;
  status: Health;
  /** What the run said; cut to {@link MAX_OUTPUT} bytes here whatever the host sent. */
  output: string;
}

export const MAX_OUTPUT = 512;

/** `text` cut to at most `max` UTF-8 bytes on a character boundary. */
export function truncateUtf8(text: string, max = MAX_OUTPUT): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  let end = max;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

async function statusesOf(db: Db, ids: readonly string[]): Promise<Map<string, Map<string, Health>>> {
  const out = new Map<string, Map<string, Health>>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('check_status')
      .select(['instance_id', 'name', 'status'])
      .where('instance_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const m = out.get(r.instance_id) ?? new Map<string, Health>();
      out.set(r.instance_id, m);
      m.set(r.name, r.status);
    }
  }
  return out;
}

/** Sets each instance's verdict from its statuses; records a change for each one that moved. */
async function settleVerdicts(w: WriteTx, instances: readonly Instance[], checks: readonly Check[]) {
  const statuses = await statusesOf(
    w.trx,
    instances.map((i) => i.id),
  );
  let changed = 0;
  for (const inst of [...instances].sort(byKey((i) => i.id))) {
    const previous = inst.health ?? null;
    const verdict =
      inst.state === 'started' ? verdictOf(checks, statuses.get(inst.id) ?? new Map(), previous) : null;
    if (verdict === previous) continue;
    await w.trx
      .updateTable('instances')
      .set({ health: verdict, updated_at: w.at })
      .where('id', '=', inst.id)
      .execute();
    await w.record('put', 'instance', { ...inst, health: verdict, updated_at: w.at }, inst.org);
    changed++;
  }
  return changed;
}

/**
 * Records a host's transitions and moves the verdicts they change. Every instance must be on `host` (else
 * `not_found` naming it, nothing written: a host may speak only of its own). Reports of a check the app no
 * longer has, or of an instance that is not started, are ignored. Returns how many verdicts moved.
 */
export async function reportChecks(ctx: StoreContext, host: string, items: readonly CheckReport[]) {
  return revisioned(
    ctx,
    async (w) => {
      const ids = [...new Set(items.map((i) => i.instance))];
      const found = new Map<string, Instance>();
      for (let i = 0; i < ids.length; i += 500) {
        for (const r of await instancesQuery(w.trx)
          .where('i.id', 'in', ids.slice(i, i + 500))
          .execute())
          found.set(r.id, r);
      }
      for (const id of ids) if (found.get(id)?.host !== host) throw notFound('instance', id);
      const apps = new Map<string, Check[]>();
      const touched: Instance[] = [];
      for (const inst of found.values()) {
        const key = `${inst.org}\0${inst.app}`;
        if (!apps.has(key)) apps.set(key, (await appByName(w.trx, inst.org, inst.app)).checks ?? []);
      }
      for (const item of items) {
        const inst = found.get(item.instance)!;
        const checks = apps.get(`${inst.org}\0${inst.app}`) ?? [];
        if (inst.state !== 'started' || !checks.some((c) => c.name === item.check)) continue;
        const row = {
          instance_id: inst.id,
          name: item.check,
          status: item.status,
          output: truncateUtf8(item.output),
          since: w.at,
        };
        await w.trx
          .insertInto('check_status')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['instance_id', 'name'])
              .doUpdateSet({ status: row.status, output: row.output, since: w.at }),
          )
          .execute();
        if (!touched.includes(inst)) touched.push(inst);
      }
      let changed = 0;
      for (const inst of touched) {
        changed += await settleVerdicts(w, [inst], apps.get(`${inst.org}\0${inst.app}`) ?? []);
      }
      return { changed };
    },
    { commitWithoutChange: true },
  );
}

/**
 * After an app's checks changed (inside the same write): statuses of checks it no longer has are dropped and
 * every instance's verdict follows (an app without checks: none).
 */
export async function checksChanged(w: WriteTx, appId: string, checks: readonly Check[]): Promise<void> {
  const instances = await instancesQuery(w.trx).where('i.app_id', '=', appId).execute();
  if (instances.length === 0) return;
  const ids = instances.map((i) => i.id);
  const names = checks.map((c) => c.name);
  for (let i = 0; i < ids.length; i += 500) {
    let q = w.trx.deleteFrom('check_status').where('instance_id', 'in', ids.slice(i, i + 500));
    if (names.length > 0) q = q.where('name', 'not in', names);
    await q.execute();
  }
  await settleVerdicts(w, instances, checks);
}

/** An instance that starts or stops begins again: no statuses, no verdict (the returned object has none). */
export async function forgetHealth(w: WriteTx, id: string): Promise<void> {
  await w.trx.deleteFrom('check_status').where('instance_id', '=', id).execute();
}

/** The last status of each check of the instances the filter selects, failing first (then app, instance). */
export async function listCheckStatus(
  ctx: StoreContext,
  f: { org?: string; app?: string; instance?: string } = {},
): Promise<CheckStatus[]> {
  let q = ctx.db
    .selectFrom('check_status as c')
    .innerJoin('instances as i', 'i.id', 'c.instance_id')
    .innerJoin('apps as a', 'a.id', 'i.app_id')
    .innerJoin('orgs as o', 'o.id', 'i.org_id')
    .innerJoin('hosts as h', 'h.id', 'i.host_id')
    .select([
      'c.instance_id as instance',
      'a.name as app',
      'o.name as org',
      'h.region',
      'h.name as host',
      'c.name as check',
      'c.status',
      'c.output',
      'c.since',
    ]);
  if (f.org !== undefined) {
    await orgByName(ctx.db, f.org);
    q = q.where('o.name', '=', f.org);
    if (f.app !== undefined) await appByName(ctx.db, f.org, f.app);
  }
  if (f.app !== undefined) q = q.where('a.name', '=', f.app);
  if (f.instance !== undefined) q = q.where('i.id', '=', f.instance);
  const rank = (s: CheckStatus) => (s.status === 'critical' ? '0' : '1');
  return (await q.execute()).sort(byKey((s) => `${rank(s)}\0${s.org}\0${s.app}\0${s.instance}\0${s.check}`));
}
