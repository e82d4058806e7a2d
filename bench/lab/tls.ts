// The cost of TLS (prints figures; not a test): the same control plane, once over HTTPS with its own CA and
// once over plain HTTP on loopback, in one run, each in its own process on SQLite: instance creations/s through
// the API (C concurrent clients, keep-alive), new connections/s (a fresh client per request: a TLS handshake
// each), and commit → arrival latency on S watch streams over C changes, with the server's CPU seconds for each.
//
//   node --import tsx bench/lab/tls.ts [--instances 1000] [--concurrency 16] [--streams 100] [--changes 200]

import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../src/client/api-client.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    streams: { type: 'string', default: '100' },
    changes: { type: 'string', default: '200' },
    connections: { type: 'string', default: '200' },
  },
});
const N = Number(values.instances);
const C = Number(values.concurrency);
const STREAMS = Number(values.streams);
const CHANGES = Number(values.changes);
const CONNS = Number(values.connections);
/** The control-plane benchmark's server process: plain, or `tls DIR` for HTTPS with its own CA. */
const SERVER_CHILD = join(import.meta.dirname, '../control-plane/server-child.ts');
const ADMIN = 'sixpn_benchadmin000000000000000000000000000000000';
const wall = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

async function pool(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

interface Figures {
  createsPerS: number;
  createCpuS: number;
  connsPerS: number;
  watchP50: number;
  watchP99: number;
  watchCpuS: number;
}

class Server {
  private readonly lines;
  constructor(readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }
  async next<T>(): Promise<T> {
    return JSON.parse((await this.lines.next()).value as string) as T;
  }
  async cpu(): Promise<number> {
    this.child.stdin.write('cpu\n');
    return (await this.next<{ cpuS: number }>()).cpuS;
  }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Arrival times of every change after `head` on `STREAMS` streams, until each has seen CHANGES of them. */
async function watchArrivals(api: ApiClient, head: number, ac: AbortController) {
  const arrivals: [number, number][] = [];
  const streams = await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      const res = await api.openWatch(head, ac.signal);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      // wrapped: an async function returning a bare promise would wait for it (the stream's end) before churn
      const done = (async () => {
        let buf = '';
        let seen = 0;
        while (seen < CHANGES) {
          const { value, done } = await reader.read();
          if (done) break;
          const now = wall();
          buf += dec.decode(value, { stream: true });
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = JSON.parse(buf.slice(0, nl)) as { rev?: number };
            buf = buf.slice(nl + 1);
            if (line.rev === undefined) continue;
            arrivals.push([line.rev, now]);
            seen++;
          }
        }
        await reader.cancel();
      })();
      return { done };
    }),
  );
  return { arrivals, done: Promise.all(streams.map((s) => s.done)) };
}

async function measure(mode: 'tls' | 'plain', dir: string): Promise<Figures> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVER_CHILD, `sqlite:${join(dir, `${mode}.db`)}`, ADMIN, mode, dir],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const srv = new Server(child);
  try {
    const { url, ca } = await srv.next<{ url: string; ca?: string }>();
    const client = () => new ApiClient({ baseUrl: url, token: ADMIN, ...(ca ? { tls: { ca } } : {}) });
    const api = client();
    await api.createOrg('bench');
    await api.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    for (let h = 0; h < 4; h++) await api.createHost({ name: `h${h}`, region: 'ord' });
    await api.createApp('bench', { name: 'web', private_network: true });

    const step = (what: string) => process.stderr.write(`${mode}: ${what}\n`);
    let cpu0 = await srv.cpu();
    step(`${N} creates`);
    let t0 = performance.now();
    await pool(N, C, () => api.createInstance('bench', 'web', { region: 'ord' }));
    const createsPerS = N / ((performance.now() - t0) / 1000);
    const createCpuS = (await srv.cpu()) - cpu0;

    // a new client per request: a new connection (and for https a full handshake) each time
    t0 = performance.now();
    await pool(CONNS, C, () => client().whoami());
    const connsPerS = CONNS / ((performance.now() - t0) / 1000);

    step(`${STREAMS} watch streams`);
    const head = (await api.snapshot()).revision;
    const ac = new AbortController();
    const { arrivals, done } = await watchArrivals(api, head, ac);
    cpu0 = await srv.cpu();
    step(`churn ${CHANGES}`);
    child.stdin.write(`churn ${CHANGES}\n`);
    const { commits } = await srv.next<{ commits: [number, number][] }>();
    step('waiting for every stream');
    await done;
    const watchCpuS = (await srv.cpu()) - cpu0;
    const at = new Map(commits);
    const lat = arrivals.flatMap(([rev, t]) => {
      const c = at.get(rev);
      return c === undefined ? [] : [Math.max(0, t - c)];
    });
    return { createsPerS, createCpuS, connsPerS, watchP50: pct(lat, 50), watchP99: pct(lat, 99), watchCpuS };
  } finally {
    await srv.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sixpn-bench-tls-'));
try {
  const load = loadavg()[0]?.toFixed(2);
  const plain = await measure('plain', dir);
  const tls = await measure('tls', dir);
  const row = (label: string, f: Figures) =>
    `${label.padEnd(6)} ${f.createsPerS.toFixed(0).padStart(8)} ${f.createCpuS.toFixed(2).padStart(9)} ${f.connsPerS
      .toFixed(0)
      .padStart(9)} ${f.watchP50.toFixed(2).padStart(8)} ${f.watchP99.toFixed(2).padStart(8)} ${f.watchCpuS
      .toFixed(2)
      .padStart(9)}`;
  console.log(
    `TLS cost (SQLite, loopback; ${N} creates by ${C} clients, ${CONNS} new connections, ${STREAMS} watch streams × ${CHANGES} changes; load ${load})`,
  );
  console.log('       creates/s  cpu s    conns/s  watch p50 p99 ms   cpu s');
  console.log(row('http', plain));
  console.log(row('https', tls));
  const pctOf = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(0)}%`;
  console.log(
    `https vs http: creates/s ${pctOf(plain.createsPerS, tls.createsPerS)}, new connections/s ${pctOf(plain.connsPerS, tls.connsPerS)}, watch p50 ${pctOf(plain.watchP50, tls.watchP50)}, watch server CPU ${pctOf(plain.watchCpuS, tls.watchCpuS)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
