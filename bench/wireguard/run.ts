// WireGuard benchmark (prints figures; not a test). In its own lab (one host, one gateway in ord):
// 1. for each of N peers: `sixpn wireguard create` (the CLI process), then wg-quick up in the laptop and ping
//    an instance every 10 ms; the time from `create` returning to the first reply (p50/p99), and its parts.
// 2. a gateway holding M peers (created through the API): the time from the API call returning to the gateway
//    having installed / removed one more peer (its log line), at a handful of peers and at M; nft rules and set
//    elements; RSS of the gateway process and of its wireguard-go; the cost of reading every peer (`get=1`).
// Needs root; builds and removes its own lab.
//
//   node --import tsx bench/wireguard/run.ts [--peers 20] [--scale 10000] [--samples 100] [--concurrency 8]

import { execFile } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ApiClient } from '../../src/client/api-client.ts';
import { generateKeyPair } from '../../src/core/wg/keys.ts';
import { labClient, SIXPN_BIN } from '../../src/lab/control.ts';
import { labDown } from '../../src/lab/down.ts';
import { laptopEnv } from '../../src/lab/laptop.ts';
import { labUp } from '../../src/lab/up.ts';
import { run } from '../../src/runtime/exec.ts';
import { UapiClient } from '../../src/runtime/wg-device.ts';

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '20' },
    scale: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '8' },
  },
});
const PEERS = Number(values.peers);
const SCALE = Number(values.scale);
const SAMPLES = Number(values.samples);
const CONC = Number(values.concurrency);
const NAME = 'bwg';
const wall = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const stats = (xs: number[]) => `p50 ${ms(pct(xs, 50))}  p99 ${ms(pct(xs, 99))}  max ${ms(Math.max(...xs))}`;
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/** The gateway's log, read as it grows: the time of its `peer installed` / `peer removed` line for a peer. */
class GatewayLog {
  private offset = 0;
  private readonly seen = new Map<string, { time: number; ms: number }>();
  constructor(private readonly path: string) {
    this.offset = statSync(path).size;
  }
  /** Reads only what was appended since the last read (the log of 10,000 installs is megabytes). */
  private read(): void {
    const fd = openSync(this.path, 'r');
    let fresh: string;
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - this.offset));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      fresh = buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
    const end = fresh.lastIndexOf('\n');
    if (end < 0) return;
    this.offset += Buffer.byteLength(fresh.slice(0, end + 1));
    for (const line of fresh.slice(0, end).split('\n')) {
      if (!line.includes('"peer installed"') && !line.includes('"peer removed"')) continue;
      const j = JSON.parse(line) as { time: number; msg: string; peer: string; ms: number };
      this.seen.set(`${j.msg}:${j.peer}`, { time: j.time, ms: j.ms });
    }
  }
  async wait(what: 'peer installed' | 'peer removed', peer: string, timeoutMs = 10_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.read();
      const hit = this.seen.get(`${what}:${peer}`);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no '${what}' for ${peer} in the gateway log`);
      await delay(2);
    }
  }
}

function cli(args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [SIXPN_BIN, ...args],
      { cwd, env: { ...process.env, ...env } },
      (err, out, errOut) => (err ? reject(new Error(`${args.join(' ')}: ${errOut}`)) : resolve(out)),
    ),
  );
}

async function nftCounts(ns: string): Promise<{ rules: number; elements: number }> {
  const out = JSON.parse(
    (await run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'inet', 'sixpn_gateway'])).stdout,
  ) as {
    nftables: Record<string, { elem?: unknown[] }>[];
  };
  let rules = 0;
  let elements = 0;
  for (const o of out.nftables) {
    if (o.rule) rules++;
    elements += (o.set?.elem ?? o.map?.elem ?? []).length;
  }
  return { rules, elements };
}

/**
 * Adds then removes `n` peers one at a time. For each: from the API call (its start) to the gateway's log line,
 * and from the API call returning to that line (the gateway's own share; ≤ 0 when it was done first).
 */
async function oneMore(c: ApiClient, log: GatewayLog, tag: string, n: number) {
  const r = { add: [] as number[], remove: [] as number[], addGw: [] as number[], removeGw: [] as number[] };
  const set = { add: [] as number[], remove: [] as number[] };
  const raw: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${tag}-${i}`;
    const key = generateKeyPair().publicKey;
    let t0 = wall();
    await c.createPeer('acme', { name, region: 'ord', public_key: key });
    let t1 = wall();
    const a = await log.wait('peer installed', name);
    r.add.push(a.time - t0);
    r.addGw.push(a.time - t1);
    set.add.push(a.ms);
    raw.push({ tag, op: 'add', i, t0, t1, log: a.time, ms: a.ms });
    t0 = wall();
    await c.deletePeer('acme', name);
    t1 = wall();
    const d = await log.wait('peer removed', name);
    r.remove.push(d.time - t0);
    r.removeGw.push(d.time - t1);
    set.remove.push(d.ms);
    raw.push({ tag, op: 'remove', i, t0, t1, log: d.time, ms: d.ms });
  }
  if (process.env.BENCH_DUMP)
    appendFileSync(process.env.BENCH_DUMP, `${raw.map((x) => JSON.stringify(x)).join('\n')}\n`);
  return { ...r, set };
}

function printOneMore(x: Awaited<ReturnType<typeof oneMore>>) {
  say(`  add     ${stats(x.add)}   (after the API call returned: ${stats(x.addGw)})`);
  say(`  remove  ${stats(x.remove)}   (after the API call returned: ${stats(x.removeGw)})`);
  say(`  the UAPI set itself: add ${stats(x.set.add)}; remove ${stats(x.set.remove)}`);
}

const out: string[] = [];
const say = (line: string) => {
  out.push(line);
  console.log(line);
};
try {
  const t0 = Date.now();
  const { plan, state } = await labUp({
    name: NAME,
    regions: [{ code: 'ord', hosts: 1 }],
    gateways: ['ord'],
    progress: (l) => process.stderr.write(`lab: ${l}\n`),
  });
  say(`lab up (1 host, 1 gateway, demo) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const c = labClient(plan, state.adminToken);
  const gw = plan.gateways[0]!;
  const gwNs = gw.ns;
  const web = state.demo.find((d) => d.app === 'web')?.address ?? '';
  const log = new GatewayLog(gw.log);
  const env = { SIXPN_LAB: NAME, SIXPN_API_URL: plan.underlay.apiSocketUrl, SIXPN_TOKEN: state.adminToken };
  const gwPid = state.processes[`gateway:${gw.name}`]?.pid ?? 0;
  const wgPid = async () => {
    const pids = (await run('ip', ['netns', 'pids', gwNs])).stdout.split('\n').filter(Boolean).map(Number);
    return (
      pids.find(
        (p) =>
          readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'wireguard-go' &&
          readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(gw.peerInterface ?? '-'),
      ) ?? 0
    );
  };

  // 1. create → first ping through the tunnel
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-bench-wg-'));
  const iface = `sx${NAME}lap`;
  const toPing: number[] = [];
  const toInstall: number[] = [];
  const wgQuickUp: number[] = [];
  const createCli: number[] = [];
  try {
    for (let i = 0; i < PEERS; i++) {
      const d = join(dir, String(i));
      mkdirSync(d);
      const file = join(d, `${iface}.conf`);
      const started = wall();
      await cli(['wireguard', 'create', 'acme', 'ord', `bench-${i}`, file], d, env);
      const created = wall();
      createCli.push(created - started);
      await run('ip', ['netns', 'exec', plan.laptop.ns, 'wg-quick', 'up', file], {
        env: laptopEnv(plan),
        timeoutMs: 30_000,
      });
      wgQuickUp.push(wall() - created);
      // one echo request every 10 ms until the first reply
      await run('ip', [
        'netns',
        'exec',
        plan.laptop.ns,
        'ping',
        '-6',
        '-n',
        '-q',
        '-c',
        '1',
        '-i',
        '0.01',
        '-w',
        '5',
        web,
      ]);
      toPing.push(wall() - created);
      toInstall.push((await log.wait('peer installed', `bench-${i}`)).time - started);
      await run('ip', ['netns', 'exec', plan.laptop.ns, 'wg-quick', 'down', file], {
        env: laptopEnv(plan),
        timeoutMs: 30_000,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  say('');
  say(
    `${PEERS} peers: sixpn wireguard create (a CLI process each), then wg-quick up in the laptop, ping every 10 ms`,
  );
  say(`  create → first ping reply      ${stats(toPing)}`);
  say(`    of which wg-quick up         ${stats(wgQuickUp)}`);
  say(`  the create command itself     ${stats(createCli)}   (node start, 3 API calls, keys, file)`);
  say(`    start → peer installed on the gateway  ${stats(toInstall)}   (the gateway's log)`);

  // 2. one more peer, at a handful of peers and at SCALE
  const small = await oneMore(c, log, 'few', SAMPLES);
  const nftSmall = await nftCounts(gwNs);
  const memSmall = { gw: rssKiB(gwPid), wg: rssKiB(await wgPid()) };
  const dev = new UapiClient(gw.peerInterface ?? '');
  const have = (await dev.get()).peers.length;
  say('');
  say(`gateway with ${have} peers: one more peer, ${SAMPLES} times (API call made → gateway log line)`);
  printOneMore(small);

  const t1 = Date.now();
  let next = 0;
  let made = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= SCALE) return;
      await c.createPeer('acme', { name: `p${i}`, region: 'ord', public_key: generateKeyPair().publicKey });
      if (++made % 1000 === 0) process.stderr.write(`bench: ${made} peers created\n`);
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const createS = (Date.now() - t1) / 1000;
  await log.wait('peer installed', `p${SCALE - 1}`, 120_000);
  for (;;) {
    const n = (await dev.get()).peers.length;
    if (n >= have + SCALE) break;
    await delay(500);
  }
  const installedS = (Date.now() - t1) / 1000;
  await delay(2_000);
  const big = await oneMore(c, log, 'many', SAMPLES);
  const nftBig = await nftCounts(gwNs);
  const memBig = { gw: rssKiB(gwPid), wg: rssKiB(await wgPid()) };
  const gets: number[] = [];
  let total = 0;
  for (let i = 0; i < 5; i++) {
    const g0 = performance.now();
    total = (await dev.get()).peers.length;
    gets.push(performance.now() - g0);
  }
  say('');
  say(
    `${SCALE} peers created through the API in ${createS.toFixed(1)} s (${CONC} at a time); all on the device after ${installedS.toFixed(1)} s`,
  );
  say(`gateway with ${total} peers: one more peer, ${SAMPLES} times`);
  printOneMore(big);
  say(
    `nft table sixpn_gateway: ${nftSmall.rules} rules, ${nftSmall.elements} set elements at ${have} peers; ${nftBig.rules} rules, ${nftBig.elements} set elements at ${total}`,
  );
  say(
    `RSS: gateway process ${mib(memSmall.gw)} → ${mib(memBig.gw)}; its wireguard-go ${mib(memSmall.wg)} → ${mib(memBig.wg)}`,
  );
  say(`reading every peer (UAPI get=1, ${total} peers): ${stats(gets)}`);
} finally {
  await labDown({ name: NAME, progress: (l) => process.stderr.write(`lab: ${l}\n`) });
  rmSync(`/var/run/wireguard/sx${NAME}lap.sock`, { force: true });
}
