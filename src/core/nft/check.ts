// Whether the isolation table must be re-applied: a fingerprint of the batch the spec builds (kept by the agent or
// gateway after each apply) and the table's shape as `nft -j list` shows it (chains and rule counts, sets and their
// sizes, counters), so a table someone flushed, edited or deleted is noticed. Pure.

import { createHash } from 'node:crypto';
import { buildIsolation, type IsolationSpec } from './isolation.ts';
import type { Json } from './json.ts';
import { setSignature, type TableListing } from './listing.ts';

type Obj = { [k: string]: Json };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** sha256 of the batch that makes the table exactly `spec`. Equal specs give equal fingerprints. */
export function nftFingerprint(spec: IsolationSpec): string {
  return createHash('sha256')
    .update(JSON.stringify(buildIsolation(spec)))
    .digest('hex');
}

/** The listing the table has right after `spec` was applied to it. */
export function expectedListing(spec: IsolationSpec): TableListing {
  const out: TableListing = { table: spec.table, counters: new Map(), sets: new Map(), chains: new Map() };
  for (const cmd of buildIsolation(spec).nftables) {
    const add = cmd.add;
    if (!isObj(add)) continue;
    const [kind, body] = Object.entries(add)[0] ?? [];
    if (!isObj(body)) continue;
    const name = typeof body.name === 'string' ? body.name : '';
    if (kind === 'counter') out.counters.set(name, { packets: 0, bytes: 0 });
    else if (kind === 'chain') out.chains.set(name, out.chains.get(name) ?? 0);
    else if (kind === 'rule') {
      const chain = String(body.chain);
      out.chains.set(chain, (out.chains.get(chain) ?? 0) + 1);
    } else if (kind === 'set' || kind === 'map' || kind === 'element') {
      const had = out.sets.get(name);
      const elem = [
        ...(had?.elem ?? []),
        ...(Array.isArray(body.elem) ? body.elem.map((e) => JSON.stringify(e)) : []),
      ];
      const info = {
        kind: kind === 'element' ? (had?.kind ?? 'set') : kind,
        signature: kind === 'element' ? (had?.signature ?? '') : setSignature(body),
        elements: elem.length,
        elem,
      };
      out.sets.set(name, info);
    }
  }
  return out;
}

/** Same chains with the same rule counts, same sets with the same types and sizes, same counters. */
export function sameShape(a: TableListing, b: TableListing): boolean {
  if (a.chains.size !== b.chains.size || a.sets.size !== b.sets.size || a.counters.size !== b.counters.size) {
    return false;
  }
  for (const [name, n] of a.chains) if (b.chains.get(name) !== n) return false;
  for (const name of a.counters.keys()) if (!b.counters.has(name)) return false;
  for (const [name, s] of a.sets) {
    const o = b.sets.get(name);
    if (!o || o.kind !== s.kind || o.signature !== s.signature || o.elements !== s.elements) return false;
  }
  return true;
}

/**
 * True when the table must be (re)applied: it is missing, its shape differs from what `spec` gives, or the last
 * batch this agent applied was a different one (same shape, other addresses or interfaces).
 */
export function nftNeedsApply(
  spec: IsolationSpec,
  observed: { listing: TableListing | undefined; appliedHash: string | undefined },
  hash = nftFingerprint(spec),
): boolean {
  if (!observed.listing) return true;
  if (observed.appliedHash !== hash) return true;
  return !sameShape(expectedListing(spec), observed.listing);
}
