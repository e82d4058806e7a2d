// Scale benchmark (prints figures; not a test): 1,000 networks × 10 apps × 10 instances (100,000) created in a
// SQLite store, then the snapshot's size and time through the HTTP API, the memory an agent needs for that state
// (LocalState + DNS ZoneIndex), DNS hot-path latency on the 100,000-instance zone against a 1,000-instance one,
// and watch throughput (changes per second reaching a watch consumer while a writer commits as fast as it can).
//
//   node --import tsx bench/scale/run.ts [--networks 1000] [--apps 10] [--instances 10] [--watch-seconds 10]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ApiClient } from '../../src/client/api-client.ts';
import { openStore } from '../../src/control/store/open.ts';
import type { Snapshot } from '../../src/core/model.ts';
import { SERVER_NODE_FLAGS } from '../../src/core/node-flags.ts';
import { dnsLatency, type Latency, subset } from './dns-latency.ts';
import { populate } from './populate.ts';

const { values } = parseArgs({
  options: {
    networks: { type: 'string', default: '1000' },
    apps: { type: 'string', default: '10' },
    instances: { type: 'string', default: '10' },
    'watch-seconds': { type: 'string', default: '10' },
  },
});
const shape = {
  networks: Number(values.networks),
  appsPerNetwork: Number(values.apps),
  instancesPerApp: Number(values.instances),
};
const WATCH_SECONDS = Number(values['watch-seconds']);
const ADMIN = 'sixpn_scalebenchadmin00000000000000000000000000000';
const MB = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const here = import.meta.dirname;

/** A child's stdout as lines, each taken by the first waiter whose pattern matches. */
function lineQueue(stream: NodeJS.ReadableStream) {
  const buffered: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: stream }).on('line', (l) => {
    const i = waiters.findIndex((w) => w.re.test(l));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(l);
    else buffered.push(l);
  });
  return (re: RegExp) =>
    new Promise<string>((resolve) => {
      const i = buffered.findIndex((l) => re.test(l));
      if (i >= 0) resolve(buffered.splice(i, 1)[0]!);
      else waiters.push({ re, resolve });
    });
}

function runNode(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

const fmtLat = (l: Latency) =>
  `${l.instances} instances in ${l.networks} networks: p50 ${l.p50us.toFixed(2)} µs, p99 ${l.p99us.toFixed(2)} µs, ` +
  `mean ${l.meanUs.toFixed(2)} µs (${(l.qps / 1000).toFixed(0)}k queries/s of one core) over ${l.queries} queries`;

const dir = mkdtempSync(join(tmpdir(), 'sixpn-bench-scale-'));
const db = `sqlite:${join(dir, 'scale.db')}`;
try {
  // 1. population, straight into the store
  const total = shape.networks * shape.appsPerNetwork * shape.instancesPerApp;
  console.log(
    `populating ${shape.networks} networks × ${shape.appsPerNetwork} apps × ${shape.instancesPerApp} instances = ${total} ...`,
  );
  const store = await openStore(db, {});
  const t0 = performance.now();
  const made = await populate(store, shape, (n) => {
    if (n % 20_000 === 0)
      console.log(`  ${n} instances, ${(n / ((performance.now() - t0) / 1000)).toFixed(0)}/s`);
  });
  const popS = (performance.now() - t0) / 1000;
  await store.close();
  console.log(
    `populated ${made} instances in ${popS.toFixed(0)} s (${(made / popS).toFixed(0)} instances/s)`,
  );

  // 2. control plane in its own process, with the Node flags its systemd unit and the lab give it
  const child = spawn(
    process.execPath,
    [...SERVER_NODE_FLAGS, '--expose-gc', '--import', 'tsx', join(here, 'server-child.ts'), db, ADMIN],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const next = lineQueue(child.stdout);
  const ac = new AbortController();
  try {
    const { url } = JSON.parse(await next(/^\{"url"/)) as { url: string };
    const serverMem = async () => {
      const line = next(/^MEM /);
      child.kill('SIGUSR2');
      return JSON.parse((await line).slice(4)) as { rss: number; heapUsed: number };
    };
    const memIdle = await serverMem();

    // snapshot: raw bytes and time to the last byte, three times; then through the client (zod-validated)
    let body = '';
    const times: number[] = [];
    for (let k = 0; k < 3; k++) {
      const s0 = performance.now();
      const res = await fetch(`${url}/v1/snapshot`, { headers: { authorization: `Bearer ${ADMIN}` } });
      body = await res.text();
      times.push(performance.now() - s0);
      if (res.status !== 200) throw new Error(`GET /v1/snapshot: ${res.status} ${body.slice(0, 200)}`);
    }
    const memAfterSnap = await serverMem();
    const api = new ApiClient({ baseUrl: url, token: ADMIN });
    const c0 = performance.now();
    const snap: Snapshot = await api.snapshot();
    const clientMs = performance.now() - c0;
    const gz = (await import('node:zlib')).gzipSync(body).length;
    console.log(
      `snapshot: ${snap.instances.length} instances, ${snap.apps.length} apps, ${snap.networks.length} networks; ` +
        `${MB(body.length)} of JSON (${MB(gz)} gzipped)`,
    );
    console.log(
      `  GET /v1/snapshot to the last byte: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')}; ` +
        `with the client's parse and validation ${clientMs.toFixed(0)} ms`,
    );
    console.log(
      `  control-plane process: RSS ${MB(memIdle.rss)} idle → ${MB(memAfterSnap.rss)} after serving it three times, ` +
        `heap ${MB(memIdle.heapUsed)} → ${MB(memAfterSnap.heapUsed)}`,
    );

    // 3. agent memory, in a fresh process
    const file = join(dir, 'snapshot.json');
    writeFileSync(file, body);
    const mem = async (what: string) =>
      JSON.parse(
        await runNode(['--expose-gc', '--import', 'tsx', join(here, 'agent-memory.ts'), file, what]),
      ) as { instances: number; kept: number; answers: number; rss: number };
    const st = await mem('state');
    const zn = await mem('zone');
    const both = await mem('both');
    const per = (b: number) => `${(b / st.instances).toFixed(0)} B/instance`;
    console.log(
      `agent memory for ${st.instances} instances (heap + array buffers after GC, each in a fresh process): ` +
        `LocalState ${MB(st.kept)} (${per(st.kept)}); DNS ZoneIndex ${MB(zn.kept)} (${per(zn.kept)}), ` +
        `+${MB(zn.answers)} with every app's AAAA answer built (${per(zn.answers)})`,
    );
    console.log(
      `  both, as the agent keeps them: ${MB(both.kept)} (${per(both.kept)}), ${MB(both.kept + both.answers)} ` +
        `with answers built; process RSS ${MB(both.rss)}`,
    );

    // 4. DNS latency, big zone against a 1,000-instance zone
    const small = subset(
      snap,
      Math.max(1, Math.round(1000 / (shape.appsPerNetwork * shape.instancesPerApp))),
    );
    const smallLat = dnsLatency(small);
    const bigLat = dnsLatency(snap);
    console.log(`DNS hot path (Responder.respond), ${fmtLat(smallLat)}`);
    console.log(`DNS hot path (Responder.respond), ${fmtLat(bigLat)}`);
    console.log(
      `  big/small: p50 ×${(bigLat.p50us / smallLat.p50us).toFixed(2)}, p99 ×${(bigLat.p99us / smallLat.p99us).toFixed(2)}`,
    );

    // 5. watch throughput
    const head = snap.revision;
    // Retried once: a kept-alive connection from the snapshot requests may have been closed by the server meanwhile.
    const openWatch = () =>
      fetch(`${url}/v1/watch?since=${head}`, {
        headers: { authorization: `Bearer ${ADMIN}`, accept: 'application/x-ndjson' },
        signal: ac.signal,
      });
    const res = await openWatch().catch(openWatch);
    const reader = res.body!.getReader();
    let delivered = 0;
    let lastRev = head;
    let firstAt = 0;
    let lastAt = 0;
    const consumer = (async () => {
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += dec.decode(value, { stream: true });
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const l = JSON.parse(buf.slice(0, nl)) as { change?: { rev: number }; rev?: number };
          buf = buf.slice(nl + 1);
          const rev = l.change?.rev ?? l.rev;
          if (rev === undefined) continue;
          delivered++;
          lastRev = rev;
          lastAt = performance.now();
          if (!firstAt) firstAt = lastAt;
        }
      }
    })();
    const w0 = performance.now();
    child.stdin.write(`churn ${WATCH_SECONDS}\n`);
    const result = JSON.parse(await next(/^\{"commits"/)) as {
      commits: number;
      seconds: number;
      head: number;
    };
    const writerDone = performance.now();
    const end = Date.now() + 30_000;
    while (lastRev < result.head && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const memWatch = await serverMem();
    console.log(
      `watch: writer committed ${result.commits} changes in ${result.seconds.toFixed(1)} s ` +
        `(${(result.commits / result.seconds).toFixed(0)}/s, read-then-flip, one transaction each)`,
    );
    console.log(
      `  one watch consumer got ${delivered} changes (up to rev ${lastRev} of ${result.head}) in ` +
        `${((lastAt - w0) / 1000).toFixed(1)} s: ${(delivered / ((lastAt - w0) / 1000)).toFixed(0)} changes/s; ` +
        `caught up ${Math.max(0, lastAt - writerDone).toFixed(0)} ms after the writer stopped; ` +
        `control-plane RSS ${MB(memWatch.rss)}`,
    );
    ac.abort();
    await consumer;
  } finally {
    child.stdin.end();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
