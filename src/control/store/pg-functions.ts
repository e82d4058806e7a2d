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
