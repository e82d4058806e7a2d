// Helpers of the attack suite (test/e2e/attacks.test.ts): the isolation table's drop counters read from a lab
// node, an API client that keeps every response body it got, and a scanner for secrets in files, texts and the
// rows of the control plane's SQLite store.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import type { FetchLike } from '../../src/client/http.ts';
import { socketPathOf, unixFetch } from '../../src/client/unix-fetch.ts';
import type { NetworkId } from '../../src/core/address.ts';
import { networkDrops, parseTableListing } from '../../src/core/nft/listing.ts';
import { inNs } from './support.ts';

/** Drop counts of one node's isolation table: per network, the `spoofed` counter and `drop_other`. */
export interface Drops {
  net: (n: number) => number;
  spoofed: number;
  other: number;
}

/** Reads the drop counters of table `inet TABLE` in namespace `ns` (sixpn_agent on hosts, sixpn_gateway). */
export async function readDrops(ns: string, table: string): Promise<Drops> {
  const l = parseTableListing(await inNs(ns, 'nft', ['-j', 'list', 'table', 'inet', table]));
  const nets = networkDrops(l);
  return {
    net: (n) => nets.get(n as NetworkId)?.packets ?? 0,
    spoofed: l.counters.get('spoofed')?.packets ?? 0,
    other: l.counters.get('drop_other')?.packets ?? 0,
  };
}

/** One API answer as it came over the wire. */
export interface Recorded {
  what: string;
  text: string;
}

/** A fetch over the lab's API socket that keeps the body of every (non-streaming) answer in `into`. */
export function recordingFetch(apiSocketUrl: string, into: Recorded[]): FetchLike {
  const f = unixFetch(socketPathOf(apiSocketUrl));
  return async (input, init) => {
    const res = await f(input, init);
    if ((res.headers.get('content-type') ?? '').includes('ndjson')) return res;
    const text = await res.text();
    into.push({ what: `${init?.method ?? 'GET'} ${input}`, text });
    const headers = new Headers();
    const type = res.headers.get('content-type');
    if (type !== null) headers.set('content-type', type);
    return new Response(text === '' ? null : text, {
      status: res.status,
      statusText: res.statusText,
      headers,
    });
  };
}

/** A secret to look for, under a name that says what it is (never the value, in messages). */
export interface Secret {
  name: string;
  value: string;
}

/** Where a secret was found: `<secret name> in <where>`. */
export function scanTexts(texts: readonly Recorded[], secrets: readonly Secret[]): string[] {
  const hits: string[] = [];
  for (const t of texts)
    for (const s of secrets) if (t.text.includes(s.value)) hits.push(`${s.name} in ${t.what}`);
  return hits;
}

/** Every regular file under `dir` (recursively) as text, except the paths (relative to `dir`) in `skip`. */
export function filesUnder(dir: string, skip: (rel: string) => boolean = () => false): Recorded[] {
  const out: Recorded[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (skip(relative(dir, p))) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size < 64 * 1024 * 1024)
        out.push({ what: p, text: readFileSync(p).toString('latin1') });
    }
  };
  walk(dir);
  return out;
}

/**
 * Every row of every table of the SQLite store at `path`, opened read-only, one text per row (JSON; blobs as
 * hex and base64, so a key stored as bytes is found in either form). Also returns the table names.
 */
export function sqliteRows(path: string): { tables: string[]; rows: Recorded[] } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    const rows: Recorded[] = [];
    for (const t of tables) {
      const all = db.prepare(`SELECT * FROM "${t.replaceAll('"', '""')}"`).all() as Record<string, unknown>[];
      all.forEach((r, i) => {
        const cells = Object.entries(r).map(([k, v]) => [
          k,
          Buffer.isBuffer(v) ? `${v.toString('hex')} ${v.toString('base64')}` : v,
        ]);
        const text = JSON.stringify(Object.fromEntries(cells));
        rows.push({ what: `${path} table ${t} row ${i}`, text });
      });
    }
    return { tables, rows };
  } finally {
    db.close();
  }
}

/** The forms a WireGuard key (base64) may be printed in: as is, and hex (UAPI's `private_key=`). */
export function keyForms(name: string, base64: string): Secret[] {
  return [
    { name, value: base64 },
    { name: `${name} (hex)`, value: Buffer.from(base64, 'base64').toString('hex') },
  ];
}

/**
 * DNS questions [type, name] an asker may try about app `x` of another network (with `otherId`, one of that
 * network's instances, and `otherPeer`, one of its peers), in every spelling: case tricks, trailing dots, `all.`
 * variants, the network-wide TXT names, an instance id of the other network under the asker's own app `own`.
 */
export function questionsAbout(
  x: string,
  own: string,
  otherId: string,
  otherPeer: string,
): [string, string][] {
  const X = x.toUpperCase();
  const mixed = [...x].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  return [
    ['AAAA', `${x}.internal`],
    ['AAAA', `${mixed}.internal`],
    ['AAAA', `${X}.INTERNAL.`],
    ['AAAA', `${x}.internal.`],
    ['ANY', `${x}.internal`],
    ['AAAA', `global.${x}.internal`],
    ['AAAA', `svc.${x}.internal`],
    ['AAAA', `SVC.${mixed}.internal.`],
    ['AAAA', `ord.${x}.internal`],
    ['AAAA', `top1.nearest.of.${x}.internal`],
    ['AAAA', `${otherId}.vm.${x}.internal`],
    ['AAAA', `${otherId}.vm.${own}.internal`],
    ['AAAA', `${otherId.toUpperCase()}.VM.${mixed}.internal`],
    ['TXT', `regions.${x}.internal`],
    ['TXT', `vms.${x}.internal`],
    ['TXT', `all.regions.${x}.internal`],
    ['TXT', `all.vms.${x}.internal`],
    ['TXT', `ALL.VMS.${mixed}.internal.`],
    ['TXT', '_instances.internal'],
    ['TXT', 'all._instances.internal'],
    ['TXT', '_ALL._instances.internal'],
    ['TXT', '_apps.internal'],
    ['TXT', '_peer.internal'],
    ['AAAA', `${otherPeer}._peer.internal`],
    ['AAAA', `${otherPeer.toUpperCase()}._PEER.internal.`],
    ['AAAA', '_api.internal'],
  ];
}

/** Who asks the DNS, about which app, instance and peer of the other network, and at which addresses. */
export interface Asker {
  who: string;
  ns: string;
  /** Its own resolver: `fdaa::3` for an instance, its network's `fdaa:N:N::3` for a peer. */
  server: string;
  /** The other network's `fdaa:N:N::3`. */
  otherServer: string;
  isPeer: boolean;
  own: string;
  other: string;
  otherId: string;
  otherPeer: string;
}

/**
 * Asks every question of {@link questionsAbout} at the asker's resolver and at the other network's address (a
 * few only from instances: dropped there, 1 s each); asserts no answer section holds any string of `bad`.
 */
export async function learnsNothing(a: Asker, bad: readonly string[]): Promise<void> {
  const questions = questionsAbout(a.other, a.own, a.otherId, a.otherPeer);
  for (const [i, [type, name]] of questions.entries()) {
    for (const server of a.isPeer || i < 3 ? [a.server, a.otherServer] : [a.server]) {
      const args = [`@${server}`, '+time=1', '+tries=1', '+noall', '+answer', type, name];
      const out = await inNs(a.ns, 'dig', args).catch((e: unknown) => `(no answer: ${(e as Error).message})`);
      const answer = out.startsWith('(no answer') ? '' : out.toLowerCase();
      for (const b of bad)
        assert.ok(
          !answer.includes(b.toLowerCase()),
          `${a.who} asked ${type} ${name} @${server}: ${b} in ${out}`,
        );
    }
  }
}
