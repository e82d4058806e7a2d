// Control-plane benchmark (prints figures; not a test): instance creations per second on SQLite and PostgreSQL,
// through the HTTP API and straight into the store, and the latency from a committed change to its arrival on
// 100 concurrent watch streams (p50/p99).
//
//   node --import tsx bench/control-plane/run.ts [--instances 2000] [--concurrency 16] [--streams 100] [--changes 200]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../src/client/api-client.ts';
import { runServer } from '../../src/control/main.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { postgresUnavailable, startPostgres } from '../../test/support/postgres.ts';

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

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

async function pool<T>(n: number, c: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function bench(label: string, db: string): Promise<void> {
  const ac = new AbortController();
  const admin = 'sixpn_benchadmintoken0000000000000000000000000000';
  const srv = await runServer({
    db,
    listen: '127.0.0.1:0',
    logger: silentLogger,
    signal: ac.signal,
    adminToken: admin,
  });
  try {
    const api = new ApiClient({ baseUrl: srv.url, token: admin });
    await api.createOrg('bench');
    await api.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    for (let h = 0; h < 4; h++) await api.createHost({ name: `h${h}`, region: 'ord' });
    await srv.store.createApp({ org: 'bench', name: 'web', private_network: true });

    let t0 = performance.now();
    await pool(N, C, () => api.createInstance('bench', 'web', { region: 'ord' }));
    const apiRate = N / ((performance.now() - t0) / 1000);

    t0 = performance.now();
    await pool(N, C, () => srv.store.createInstance({ org: 'bench', app: 'web', region: 'ord' }));
    const storeRate = N / ((performance.now() - t0) / 1000);

    // watch latency: STREAMS open streams, CHANGES sequential commits, arrival time of each change on each stream
    const inst = (await srv.store.listInstances({ org: 'bench' })).slice(0, CHANGES);
    const head = await srv.store.headRevision();
    const committedAt = new Map<number, number>();
    const arrivals: [number, number][] = [];
    const streams = await Promise.all(
      Array.from({ length: STREAMS }, async () => {
        const res = await api.openWatch(head, ac.signal);
        const reader = res.body!.getReader();
        const dec = new TextDecoder();
        let buf = '';
        let seen = 0;
        const done = (async () => {
          while (seen < CHANGES) {
            const { value, done } = await reader.read();
            if (done) break;
            const now = performance.now();
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
    for (const i of inst) {
      await srv.store.setInstanceState(i.id, 'stopped');
      const at = performance.now();
      committedAt.set(await srv.store.headRevision(), at);
      await new Promise((res) => setTimeout(res, 2));
    }
    await Promise.all(streams.map((s) => s.done));
    const lat = arrivals.flatMap(([rev, t]) => {
      const c = committedAt.get(rev);
      return c === undefined ? [] : [Math.max(0, t - c)];
    });
    console.log(
      `${label.padEnd(10)} creations/s: API ${apiRate.toFixed(0)} (c=${C}), store ${storeRate.toFixed(0)} (c=${C}); ` +
        `watch commit→arrival on ${STREAMS} streams × ${CHANGES} changes: p50 ${pct(lat, 50).toFixed(2)} ms, ` +
        `p99 ${pct(lat, 99).toFixed(2)} ms (n=${lat.length})`,
    );
  } finally {
    ac.abort();
    await srv.done;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sixpn-bench-cp-'));
try {
  await bench('sqlite', `sqlite:${join(dir, 'bench.db')}`);
  const why = postgresUnavailable();
  if (why) console.log(`postgres   skipped: ${why}`);
  else {
    const pg = await startPostgres();
    try {
      await bench('postgres', pg.url);
    } finally {
      await pg.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
