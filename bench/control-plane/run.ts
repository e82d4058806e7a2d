// Control-plane benchmark (prints figures; not a test): instance creations per second on SQLite and PostgreSQL —
// through the HTTP API (server in its own process, load from this one) and straight into the store — and the
// latency from a committed change to its arrival on 100 concurrent watch streams (p50/p99). On PostgreSQL a second
// replica serves half the streams: its figure is the latency across replicas (LISTEN/NOTIFY). Every party shares
// this machine's cores, so the API rate comes with the CPU each spent per creation: the server, the second
// replica (PostgreSQL; it only listens meanwhile), the PostgreSQL server and this process (the client).
//
//   node --import tsx bench/control-plane/run.ts [--instances 2000] [--concurrency 16] [--streams 100] [--changes 200]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../src/client/api-client.ts';
import { openStore } from '../../src/control/store/open.ts';
import { postgresUnavailable, startPostgres } from '../../test/support/postgres.ts';
import { ownCpu, postgresCpu, postmasterPid } from './cpu.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    streams: { type: 'string', default: '100' },
    changes: { type: 'string', default: '200' },
  },
});
const N = Number(values.instances);
const C = Number(values.concurrency);
const STREAMS = Number(values.streams);
const CHANGES = Number(values.changes);
const ADMIN = 'sixpn_benchadmin000000000000000000000000000000000';
const wall = () => performance.timeOrigin + performance.now();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

async function pool(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Creations/s straight into the store (no HTTP), on a database of its own. */
async function storeRate(db: string): Promise<number> {
  const store = await openStore(db, {});
  try {
    await store.createOrg('bench');
    await store.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    for (let h = 0; h < 4; h++) await store.createHost({ name: `h${h}`, region: 'ord', role: 'host' });
    await store.createApp({ org: 'bench', name: 'web', private_network: true });
    const t0 = performance.now();
    await pool(N, C, () => store.createInstance({ org: 'bench', app: 'web', region: 'ord' }));
    return N / ((performance.now() - t0) / 1000);
  } finally {
    await store.close();
  }
}

async function apiAndWatch(label: string, db: string, direct: number, pgPid?: number): Promise<void> {
  const replica = pgPid !== undefined;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'server-child.ts'), db, ADMIN],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextJson = async () => JSON.parse((await lines.next()).value as string);
  // The second replica: the same server on the same database; it only serves watch streams here.
  const other = replica
    ? spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server-child.ts'), db, ADMIN], {
        stdio: ['pipe', 'pipe', 'inherit'],
      })
    : undefined;
  try {
    const { url } = (await nextJson()) as { url: string };
    const api = new ApiClient({ baseUrl: url, token: ADMIN });
    const otherLines = other && createInterface({ input: other.stdout })[Symbol.asyncIterator]();
    const cpuOf = async (c: typeof child, next: typeof lines) => {
      c.stdin.write('cpu\n');
      return (JSON.parse((await next.next()).value as string) as { cpuS: number }).cpuS;
    };
    /** CPU seconds so far of: the server, the second replica, PostgreSQL, this process. */
    const cpus = async () => [
      await cpuOf(child, lines),
      other && otherLines ? await cpuOf(other, otherLines) : 0,
      pgPid === undefined ? 0 : postgresCpu(pgPid),
      ownCpu(),
    ];
    const apiOther = otherLines
      ? new ApiClient({ baseUrl: JSON.parse((await otherLines.next()).value as string).url, token: ADMIN })
      : undefined;
    await api.createOrg('bench');
    await api.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    for (let h = 0; h < 4; h++) await api.createHost({ name: `h${h}`, region: 'ord' });
    await api.createApp('bench', { name: 'web', private_network: true });
    const cpu0 = await cpus();
    const t0 = performance.now();
    await pool(N, C, () => api.createInstance('bench', 'web', { region: 'ord' }));
    const apiRate = N / ((performance.now() - t0) / 1000);
    const cpu1 = await cpus();
    const perCreation = cpu1.map((c, i) => `${(((c - cpu0[i]!) * 1e6) / N).toFixed(0)} µs`);

    const head = (await api.snapshot()).revision;
    const arrivals: [number, number, boolean][] = [];
    const ac = new AbortController();
    const streams = await Promise.all(
      Array.from({ length: STREAMS }, async (_, i) => {
        const across = apiOther !== undefined && i % 2 === 1;
        const res = await (across ? apiOther : api).openWatch(head, ac.signal);
        const reader = res.body!.getReader();
        const dec = new TextDecoder();
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
              arrivals.push([line.rev, now, across]);
              seen++;
            }
          }
          await reader.cancel();
        })();
        return { done };
      }),
    );
    child.stdin.write(`churn ${CHANGES}\n`);
    const { commits } = (await nextJson()) as { commits: [number, number][] };
    await Promise.all(streams.map((s) => s.done));
    const committedAt = new Map(commits);
    const latency = (across: boolean) =>
      arrivals.flatMap(([rev, t, a]) => {
        const c = committedAt.get(rev);
        return c === undefined || a !== across ? [] : [Math.max(0, t - c)];
      });
    const lat = latency(false);
    const cross = latency(true);
    const local = apiOther ? STREAMS - Math.floor(STREAMS / 2) : STREAMS;
    console.log(
      `${label.padEnd(9)} instance creations/s: API ${apiRate.toFixed(0)}, store ${direct.toFixed(0)} (${C} concurrent, ${N} each)`,
    );
    const [server, second, db, client] = perCreation;
    console.log(
      `${label.padEnd(9)} CPU per API creation: server ${server}` +
        (replica ? `, second replica ${second}, postgres ${db}` : '') +
        `, bench client ${client}`,
    );
    console.log(
      `${label.padEnd(9)} commit → arrival on ${local} watch streams × ${CHANGES} changes: ` +
        `p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms (${lat.length} arrivals)`,
    );
    if (apiOther) {
      console.log(
        `${label.padEnd(9)} commit → arrival on ${STREAMS - local} streams of a second replica (LISTEN/NOTIFY): ` +
          `p50 ${pct(cross, 50).toFixed(2)} ms, p99 ${pct(cross, 99).toFixed(2)} ms (${cross.length} arrivals)`,
      );
    }
  } finally {
    for (const c of [child, other]) {
      if (!c || c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.stdin.end();
      c.kill('SIGTERM');
      await exited;
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sixpn-bench-cp-'));
try {
  await apiAndWatch(
    'sqlite',
    `sqlite:${join(dir, 'api.db')}`,
    await storeRate(`sqlite:${join(dir, 'store.db')}`),
  );
  const why = postgresUnavailable();
  if (why) console.log(`postgres  skipped: ${why}`);
  else {
    const pg = await startPostgres();
    try {
      const u = (name: string) => {
        const x = new URL(pg.url);
        x.pathname = `/${name}`;
        return x.toString();
      };
      const { createDatabase } = await import('../../test/support/postgres.ts');
      const a = await createDatabase(pg.url);
      const s = await createDatabase(pg.url);
      void u;
      await apiAndWatch('postgres', a, await storeRate(s), await postmasterPid(pg.url));
    } finally {
      await pg.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
