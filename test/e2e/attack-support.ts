// Helpers of the attack suite (test/e2e/attacks.test.ts): the isolation table's drop counters read from a lab
// node, an API client that keeps every response body it got, and a scanner for secrets in files, texts and the
// rows of the control plane's SQLite store.

import { spawn } from 'node:child_process';
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
    const streaming = (res.headers.get('content-type') ?? '').includes('ndjson');
    if (!streaming) into.push({ what: `${init?.method ?? 'GET'} ${input}`, text: await res.clone().text() });
    return res;
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

/** Python: prints `listening`, then `icmp <type> from <address>` for each ICMPv6 error (type < 128) received. */
export const ICMP_ERRORS_SINK = `
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print("listening", flush=True)
while True:
    data, addr = s.recvfrom(2048)
    if data[0] < 128:
        print("icmp %d from %s" % (data[0], addr[0]), flush=True)`;

/**
 * Python, args DST SRC SPORT ORIG_DST DPORT: sends DST three ICMPv6 "destination unreachable" errors quoting a TCP
 * segment SRC:SPORT → ORIG_DST:DPORT (conntrack relates such an error to that flow, whoever sends it).
 */
export const ICMP_ERROR_SEND = `
import socket, struct, sys
dst, osrc, sport, odst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
a = lambda x: socket.inet_pton(socket.AF_INET6, x)
inner = struct.pack("!IHBB", 6 << 28, 20, 6, 64) + a(osrc) + a(odst)
inner += struct.pack("!HHIIHHHH", sport, dport, 0, 0, 0x5010, 1000, 0, 0)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
for _ in range(3):
    s.sendto(struct.pack("!BBHI", 1, 1, 0, 0) + inner, (dst, 0))`;

/** Node: a TCP client to ADDR PORT that prints `port <its local port>` once connected and stays connected. */
export const TCP_HOLD = `
const c = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) }, () => console.log('port ' + c.localPort));
c.on('error', (e) => console.log('error ' + e.code));`;

/** A python3 program in namespace `ns` with its stdout lines collected; stop() kills it by its PID. */
export function pythonIn(ns: string, script: string, args: string[] = []) {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', script, ...args]);
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.on('data', (b: Buffer) => lines.push(`stderr ${b.toString().trim()}`));
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return {
    lines,
    stop: async () => {
      if (exited) return;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
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
