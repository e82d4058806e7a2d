// PostgreSQL functions of the hot path (instance creation), as their migrations create them. Each takes its
// arguments in one call, so a creation commits in one statement and one round trip (`instances-pg.ts`).

const PARAMS = `p_id text, p_num bigint, p_app_id text, p_org_id text, p_network_id text, p_state text, p_at text,
  p_org text, p_region text, p_pinned boolean, p_hosts text[], p_addresses text[], p_objs text[]`;

/** The function's head: takes the writers' lock, then places by `load` (an expression of host `h`, `from` its rows). */
const head = (
  from: string,
  load: string,
) => `returns table (rev bigint, pick integer) language plpgsql volatile as $$
declare
  r bigint;
  best text;
  k integer;
begin
  update counters set value = value + 1 where name = 'revision' returning value into r;
  if p_pinned then
    k := 1;
  else
    select h.id into best from ${from}
      where h.region = p_region and h.role = 'host'
      order by h.registered_at is null, ${load}, h.name collate "C"
      limit 1;
    k := array_position(p_hosts, best);
    if k is null then
      raise exception 'the hosts of region % changed since the read', p_region using errcode = 'SX001';
    end if;
  end if;
`;

/** Placement by counting each host's instances (migrations 0002 and 0010). */
const HEAD = head('hosts h', '(select count(*) from instances i where i.host_id = h.id)');

const WRITE = `  insert into instances (id, num, app_id, org_id, network_id, host_id, state, address, created_at, updated_at)
    values (p_id, p_num, p_app_id, p_org_id, p_network_id, p_hosts[k], p_state, p_addresses[k], p_at, p_at);
  insert into changes (rev, op, kind, id, org, obj) values (r, 'put', 'instance', p_id, p_org, p_objs[k]);
  perform pg_notify('sixpn_changes', r::text);
  return query select r, k;
end $$`;

/**
 * Migration 0002: the caller has resolved the app, the instance number and the region's hosts, and built the
 * instance's address and change entry for each candidate host. The function takes the writers' lock (the
 * revision bump), then, in a fresh snapshot (a VOLATILE function gets one per statement), picks the
 * least-loaded host as `leastLoaded` does and writes the row, the change entry and the NOTIFY. Called outside a
 * transaction, its statement commits at once: the lock is held for this call and the commit only. A best host
 * that is not among the candidates (a host added since the caller's read) raises SQLSTATE SX001, and the caller
 * reads again; a candidate deleted meanwhile fails the insert on its foreign key. SQLite places under its one
 * writer and needs no function.
 */
export const pgCreateInstance = `
create function sixpn_create_instance(
  ${PARAMS}
) ${HEAD}${WRITE}`;

/** SQLSTATE of the keyed function's "the Idempotency-Key is taken": nothing written, the caller reads the key. */
export const KEY_TAKEN = 'SX002';

/**
 * Migration 0010: `sixpn_create_instance` that also keeps an Idempotency-Key's answer (`p_status`,
 * `p_content_type`, the made object's JSON) in the same commit; `p_key` null keeps none. A key that holds
 * anything not older than `p_expired_before` raises SX002 and the whole call (revision included) rolls back.
 * Taken under the writers' lock, the key of a concurrent create with it has committed by then. The 0002 function
 * stays for replicas not yet upgraded.
 */
export const pgCreateInstanceKeyed = `
create function sixpn_create_instance_keyed(${keyedBody(HEAD)}`;

/**
 * Migration 0011: the keyed function placing by `host_loads` (host-loads.ts), one row per host, where it
 * counted the region's instances. The same arguments, answers and errors.
 */
export const pgCreateInstanceKeyedLoads = `
create or replace function sixpn_create_instance_keyed(${keyedBody(
  head('hosts h join host_loads l on l.host_id = h.id', 'l.instances'),
)}`;

function keyedBody(headText: string): string {
  return `
  ${PARAMS},
  p_key text, p_request text, p_expired_before text, p_status integer, p_content_type text
) ${headText}  if p_key is not null then
    insert into idempotency_keys as x (key, request, status, body, content_type, created_at)
      values (p_key, p_request, p_status, p_objs[k], p_content_type, p_at)
      on conflict (key) do update set request = excluded.request, status = excluded.status,
        body = excluded.body, content_type = excluded.content_type, created_at = excluded.created_at
      where x.created_at < p_expired_before;
    if not found then
      raise exception 'the Idempotency-Key is taken' using errcode = '${KEY_TAKEN}';
    end if;
  end if;
${WRITE}`;
}

/** The outcome of one item of {@link pgCreateInstances}: made, or (nothing written for it) why not. */
export type BatchOutcome = 'made' | 'key_taken' | 'placement_changed';

/**
 * Migration 0012: the keyed creation for a group of instances (group commit, `create-batch-pg.ts`) in one call,
 * one lock and one commit. `p_items` is a JSON array of the keyed function's arguments, one object per creation
 * with `n` (its index) and `hosts`, `addresses`, `objs` as arrays. Under the writers' lock it takes the items in
 * order, each as `sixpn_create_instance_keyed` would right after the one before: placed by `host_loads` (which
 * the triggers keep counting the items written before it), its key kept, its row and change entry written with
 * the next revision. An item's own race is its outcome, not an error (nothing written for it, no revision
 * used): `placement_changed` (SX001 of the single call), `key_taken` (SX002). Any other error (a foreign key, a
 * taken id) fails the whole call, and the caller writes the items one at a time. One NOTIFY per call, with the
 * head, when anything was made. The 0002 and 0010 functions stay for replicas not yet upgraded.
 */
export const pgCreateInstances = `
create function sixpn_create_instances(p_items json)
returns table (n integer, outcome text, made_rev bigint, pick integer) language plpgsql volatile as $$
declare
  it record;
  head bigint;
  r bigint;
  best text;
  k integer;
begin
  select value into head from counters where name = 'revision' for update;
  r := head;
  for it in select * from json_to_recordset(p_items) as x(
      n integer, id text, num bigint, app_id text, org_id text, network_id text, state text, at text,
      org text, region text, pinned boolean, hosts text[], addresses text[], objs text[],
      key text, request text, expired_before text, status integer, content_type text)
  loop
    n := it.n;
    made_rev := null;
    pick := null;
    if it.pinned then
      k := 1;
    else
      select h.id into best from hosts h join host_loads l on l.host_id = h.id
        where h.region = it.region and h.role = 'host'
        order by h.registered_at is null, l.instances, h.name collate "C"
        limit 1;
      k := array_position(it.hosts, best);
      if k is null then
        outcome := 'placement_changed';
        return next;
        continue;
      end if;
    end if;
    if it.key is not null then
      insert into idempotency_keys as x (key, request, status, body, content_type, created_at)
        values (it.key, it.request, it.status, it.objs[k], it.content_type, it.at)
        on conflict (key) do update set request = excluded.request, status = excluded.status,
          body = excluded.body, content_type = excluded.content_type, created_at = excluded.created_at
        where x.created_at < it.expired_before;
      if not found then
        outcome := 'key_taken';
        return next;
        continue;
      end if;
    end if;
    r := r + 1;
    insert into instances (id, num, app_id, org_id, network_id, host_id, state, address, created_at, updated_at)
      values (it.id, it.num, it.app_id, it.org_id, it.network_id, it.hosts[k], it.state, it.addresses[k], it.at, it.at);
    insert into changes (rev, op, kind, id, org, obj) values (r, 'put', 'instance', it.id, it.org, it.objs[k]);
    outcome := 'made';
    made_rev := r;
    pick := k;
    return next;
  end loop;
  if r > head then
    update counters set value = r where name = 'revision';
    perform pg_notify('sixpn_changes', r::text);
  end if;
end $$`;
