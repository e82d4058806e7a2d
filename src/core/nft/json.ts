// Small typed constructors for libnftables JSON (nft -j): expressions, statements and batch commands.
// Spec: libnftables-json(5), https://manpages.debian.org/bookworm/libnftables1/libnftables-json.5.en.html

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** One command of a batch, e.g. `{ add: { table: {...} } }`. */
export type NftCommand = { [cmd: string]: Json };
/** What `nft -j -f -` reads. */
export interface NftBatch {
  nftables: NftCommand[];
}

export const FAMILY = 'inet';

// ---- expressions

export const payload = (protocol: string, field: string): Json => ({ payload: { protocol, field } });
export const meta = (key: string): Json => ({ meta: { key } });
export const ct = (key: string, dir?: 'original' | 'reply'): Json => ({ ct: dir ? { key, dir } : { key } });
export const prefix = (addr: string, len: number): Json => ({ prefix: { addr, len } });
export const concat = (...parts: Json[]): Json => ({ concat: parts });
export const and = (left: Json, mask: Json): Json => ({ '&': [left, mask] });
/** An anonymous set literal `{ a, b }`. */
export const anonSet = (items: Json[]): Json => ({ set: items });
/** A reference to a named set or map. */
export const ref = (name: string): string => `@${name}`;

// ---- statements

export const match = (left: Json, right: Json, op: '==' | '!=' | 'in' = '=='): Json => ({
  match: { op, left, right },
});
export const accept: Json = { accept: null };
export const drop: Json = { drop: null };
export const jump = (target: string): Json => ({ jump: { target } });
/** `counter name "x"`: counts into a named counter object. */
export const namedCounter = (name: string): Json => ({ counter: name });
/** `counter name KEY map @m`: counts into the counter object the map gives for KEY (no match: rule stops). */
export const counterByMap = (key: Json, map: string): Json => ({ counter: { map: { key, data: ref(map) } } });
export const redirect = (port: number): Json => ({ redirect: { port } });

// ---- commands

export const tableObj = (table: string): Json => ({ family: FAMILY, name: table });

export function rule(table: string, chain: string, expr: Json[], comment?: string): NftCommand {
  const r: { [k: string]: Json } = { family: FAMILY, table, chain, expr };
  if (comment !== undefined) r.comment = comment;
  return { add: { rule: r } };
}
