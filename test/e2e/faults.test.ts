// End-to-end faults under load: a lab with a gateway; a TCP echo conversation across hosts and one
// through a WireGuard peer (a line every 50 ms each) and dig/getent loops run throughout while the control plane,
// agents and the gateway are SIGKILLed and restarted. DNS must keep answering from the agents' copies,
// connections must survive, state must converge. The figures are printed (t.diagnostic) for the closing note.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAgent, waitAgents } from '../../src/lab/agents.ts';
import { startDemoServer } from '../../src/lab/demo.ts';
import { laptopEnv } from '../../src/lab/laptop.ts';
import { labNodes } from '../../src/lab/plan.ts';
import { isAlive } from '../../src/lab/processes.ts';
import { restartAgent, restartControl } from '../../src/lab/restart.ts';
import { readLabState, writeLabState } from '../../src/lab/state.ts';
import { readStatusFile } from '../../src/runtime/status-file.ts';
import { DnsLoad, dnsFigures, EchoLoad, echoFigures, showDns, showEcho } from './faults-support.ts';
import { cannotRun, digShort, eventually, inNs, NsProcess, TCP_ECHO } from './support.ts';
import { labCli, wgQuick } from './wireguard-support.ts';
import { withLab } from './with-lab.ts';

const skip = cannotRun();
/** The longest time without an echo reply the tests accept, fault or not (the conversation must never break). */
const MAX_GAP_MS = 3_000;

describe('faults under load, end to end', { skip, timeout: 240_000 }, () => {
  let wgUp = false;
  const procs: NsProcess[] = [];
  /** web@ord1 → db@ord2 across the mesh; the laptop's peer → web@ord1 through the gateway. */
  let echo: EchoLoad;
  let peerEcho: EchoLoad;
  /** db.internal from web@ord1 (its agent's DNS) and from the laptop (the gateway's DNS, through the tunnel). */
  let dns: DnsLoad;
  let peerDns: DnsLoad;
  let dbAnswer = '';
  /** web.internal as it must be once the control plane's changes have reached everyone. */
  let webs: string[] = [];
  const figures: string[] = [];

  const lab = withLab({
    letter: 'f',
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: ['ord'],
    setUp: () => startLoad(),
    tearDown: async () => {
      for (const p of procs) await p.stop();
      if (wgUp)
        await wgQuick('down', lab.plan.laptop.ns, join(lab.dir, `${ifA}.conf`), laptopEnv(lab.plan)).catch(
          () => {},
        );
      process.stderr.write(`e2e: fault figures:\n${figures.map((l) => `  ${l}\n`).join('')}`);
    },
  });
  const { inst, check, admin } = lab;
  const ifA = lab.iface('f');
  const report = (t: TestContext, line: string) => {
    figures.push(line);
    t.diagnostic(line);
  };
  /** Figures of [from, to] for both conversations and both query loops. */
  const loadReport = (t: TestContext, what: string, from: number, to: number) => {
    const f = {
      echo: echoFigures(echo.replies(), from, to),
      peerEcho: echoFigures(peerEcho.replies(), from, to),
      dns: dnsFigures(dns.queries(), from, to, dbAnswer),
      peerDns: dnsFigures(peerDns.queries(), from, to, dbAnswer),
    };
    report(t, `${what} (${to - from} ms): instance DNS ${showDns(f.dns)}; peer DNS ${showDns(f.peerDns)}`);
    report(
      t,
      `${what}: echo across hosts ${showEcho(f.echo)}; echo through the gateway ${showEcho(f.peerEcho)}`,
    );
    return f;
  };
  /** Every host's DNS (from an instance on it) and the gateway's (from the laptop) give `want` for web.internal. */
  const everyoneSees = async (want: string[]) => {
    const from = [inst('web', 'ord1').ns, inst('db').ns, inst('web', 'nrt1').ns, lab.plan.laptop.ns];
    for (const ns of from)
      if ((await digShort(ns, 'AAAA', 'web.internal')).join() !== want.join()) return false;
    return true;
  };
  const allCaughtUp = async (timeoutMs: number) => {
    const recs = readLabState(lab.plan.files.state)?.processes ?? {};
    const key = (n: { role: string; name: string }) => `${n.role === 'host' ? 'agent' : 'gateway'}:${n.name}`;
    await waitAgents(
      admin(),
      labNodes(lab.plan).map((node) => ({ node, rec: recs[key(node)]! })),
      timeoutMs,
    );
  };
  /** Peer alice up through the gateway, echo servers, and the four load loops running. */
  const startLoad = async () => {
    const made = await labCli(
      lab.plan,
      lab.name,
      lab.dir,
    )(['wireguard', 'create', 'acme', 'ord', 'alice', `${ifA}.conf`], lab.state.adminToken);
    assert.equal(made.code, 0, made.stderr);
    await wgQuick('up', lab.plan.laptop.ns, join(lab.dir, `${ifA}.conf`), laptopEnv(lab.plan));
    wgUp = true;
    const web = inst('web', 'ord1');
    const db = inst('db');
    dbAnswer = db.address;
    webs = lab.state.demo.filter((d) => d.app === 'web').map((d) => d.address ?? '');
    const servers = [new NsProcess(db.ns, TCP_ECHO, ['7700']), new NsProcess(web.ns, TCP_ECHO, ['7701'])];
    procs.push(...servers);
    for (const s of servers) assert.ok(await s.waitFor(/^listening$/), 'echo server listening');
    assert.ok(
      await eventually(
        async () => (await digShort(lab.plan.laptop.ns, 'AAAA', 'db.internal')).length > 0,
        10_000,
      ),
    );
    echo = new EchoLoad(web.ns, db.address, 7700);
    peerEcho = new EchoLoad(lab.plan.laptop.ns, web.address, 7701);
    dns = new DnsLoad(web.ns, 'db.internal');
    peerDns = new DnsLoad(lab.plan.laptop.ns, 'db.internal');
    procs.push(echo.p, peerEcho.p, dns.p, peerDns.p);
    const started = Date.now();
    assert.ok(
      await eventually(
        async () =>
          echo.answeredAfter(started) &&
          peerEcho.answeredAfter(started) &&
          dns.okAfter(started, dbAnswer) &&
          peerDns.okAfter(started, dbAnswer),
        15_000,
      ),
      `the load runs: ${[echo, peerEcho, dns, peerDns].map((l) => l.p.lines.slice(-2).join(' | ')).join(' / ')}`,
    );
    process.stderr.write(`e2e: lab and load up in ${lab.elapsed()} s\n`);
  };

  check('baseline: the load runs clean', async (t) => {
    const from = Date.now();
    await sleep(2_000);
    const f = loadReport(t, 'baseline', from, Date.now());
    assert.equal(f.dns.failed + f.peerDns.failed, 0);
    assert.ok(f.echo.maxGapMs < MAX_GAP_MS && f.peerEcho.maxGapMs < MAX_GAP_MS);
  });

  check(
    'control plane SIGKILLed: DNS answers, tunnels pass traffic; restarted, changes reach everyone, who resume',
    async (t) => {
      await allCaughtUp(10_000);
      const head = (await admin().snapshot()).revision;
      const nodes = labNodes(lab.plan);
      const revBefore = new Map(nodes.map((n) => [n.name, readStatusFile(n.stateDir)?.revision ?? -1]));
      for (const [n, r] of revBefore) assert.equal(r, head, `${n} at the head before the fault`);
      const rec = readLabState(lab.plan.files.state)?.processes.control;
      assert.ok(rec && isAlive(rec));
      const killedAt = Date.now();
      process.kill(rec.pid, 'SIGKILL');
      assert.ok(await eventually(async () => !isAlive(rec), 5_000, 10));
      assert.equal(
        await admin()
          .healthz(AbortSignal.timeout(1_000))
          .catch(() => false),
        false,
        'it is down',
      );
      // An agent restarted meanwhile serves DNS from the copy it saved, with no control plane to ask.
      const nrt = lab.plan.hosts.find((h) => h.name === 'nrt1')!;
      const saved = readLabState(lab.plan.files.state)!;
      const oldNrt = saved.processes['agent:nrt1']!;
      process.kill(oldNrt.pid, 'SIGKILL');
      assert.ok(await eventually(async () => !isAlive(oldNrt), 5_000, 10));
      const nrtAt = Date.now();
      saved.processes['agent:nrt1'] = startAgent(lab.plan, nrt);
      writeLabState(lab.plan.files.state, saved);
      const fromNrt = () => digShort(inst('web', 'nrt1').ns, 'AAAA', 'db.internal').catch(() => []);
      assert.ok(
        await eventually(async () => (await fromNrt()).join() === dbAnswer, 15_000, 50),
        'the restarted agent answers from its saved state',
      );
      report(
        t,
        `agent of nrt1 SIGKILLed and restarted while the control plane was down: its DNS answered from its ` +
          `saved state ${Date.now() - nrtAt} ms after the start`,
      );
      await sleep(Math.max(0, killedAt + 5_000 - Date.now()));
      const restartAt = Date.now();
      const r = await restartControl({ name: lab.name });
      const backAt = Date.now();
      assert.notEqual(r.new.pid, rec.pid);
      assert.equal((await admin().snapshot()).revision, head, 'the same database: the revision goes on');
      report(
        t,
        `control plane down ${restartAt - killedAt} ms; restarted and answering in ${backAt - restartAt} ms`,
      );
      const f = loadReport(t, 'control plane down', killedAt, backAt);
      assert.equal(f.dns.failed, 0, "every query answered from the agent's copy");
      assert.equal(f.peerDns.failed, 0, "every peer query answered from the gateway's copy");
      assert.ok(!echo.broke() && !peerEcho.broke(), 'no connection broke');
      assert.ok(
        f.echo.maxGapMs < MAX_GAP_MS && f.peerEcho.maxGapMs < MAX_GAP_MS,
        'the tunnels kept passing traffic',
      );

      // Changes on the restarted control plane (same database): one web stopped, one more run in nrt (`sixpn run`
      // of the demo's server: web has a health check, so an instance serves once its server answers).
      const changedAt = Date.now();
      const c = admin();
      await c.stopInstance(inst('web', 'ord2').id);
      // nrt1's agent refuses `sixpn run` until its watch is back (it says: retry): run it again until it takes
      const more = { org: 'acme', app: 'web', region: 'nrt', host: 'nrt1' };
      let run = startDemoServer(lab.plan, more);
      let added: string | null | undefined;
      assert.ok(
        await eventually(
          async () => {
            const mine = await c.listInstances({ org: 'acme', app: 'web', host: 'nrt1' });
            added = mine.find((i) => i.id !== inst('web', 'nrt1').id)?.address;
            if (typeof added === 'string') return true;
            if (!isAlive(run)) run = startDemoServer(lab.plan, more);
            return false;
          },
          30_000,
          100,
        ),
        'sixpn run made a web instance on nrt1',
      );
      webs = [...webs.filter((a) => a !== inst('web', 'ord2').address), added ?? ''].sort();
      assert.ok(
        await eventually(() => everyoneSees(webs), 30_000, 50),
        'the changes reach every host and the gateway',
      );
      const seenAt = Date.now();
      await allCaughtUp(30_000);
      report(
        t,
        `after the restart: changes in every host's and the gateway's DNS in ${seenAt - changedAt} ms; ` +
          `every agent and the gateway reconciled to the head in ${Date.now() - changedAt} ms`,
      );
      // Each resumed its watch from its last revision: no resync from a snapshot, and it asked from where it was.
      // Its last failed attempt says when the next (the one that worked) was due: its backoff after the outage.
      const resumedAfter: string[] = [];
      for (const n of nodes) {
        const lines = readFileSync(n.log, 'utf8')
          .split('\n')
          // the agent's JSON log; the lines of its one-off `sixpn agent join` before it are text
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { time: number; msg: string; since?: number; retryInMs?: number })
          .filter((l) => l.time >= killedAt);
        assert.deepEqual(
          lines.filter((l) => /resync/.test(l.msg)).map((l) => l.msg),
          [],
          `${n.name} did not resync`,
        );
        const broke = lines.filter((l) => l.msg === 'watch stream broke; reconnecting');
        assert.ok(broke.length > 0, `${n.name} saw its stream break`);
        assert.ok(
          broke.every((l) => l.since === revBefore.get(n.name)),
          `${n.name} resumed from revision ${revBefore.get(n.name)}: ${broke.map((l) => l.since)}`,
        );
        const last = broke.at(-1)!;
        resumedAfter.push(`${n.name} +${last.time + (last.retryInMs ?? 0) - backAt} ms`);
      }
      report(
        t,
        `watch streams resumed from revision ${head} (no resync), after the restart: ${resumedAfter.join(', ')}`,
      );
    },
  );

  check(
    'an agent SIGKILLed and restarted: connections survive, DNS comes back, the host converges',
    async (t) => {
      const web = inst('web', 'ord1');
      const mesh = async (host: string) => {
        const h = lab.plan.hosts.find((x) => x.name === host)!;
        return (await inNs(h.ns, 'wg', ['show', h.meshInterface, 'allowed-ips']))
          .split('\n')
          .sort()
          .join('\n');
      };
      // ord1 runs the echo client and the DNS loop; ord2 the echo server.
      for (const host of [web.host, inst('db').host]) {
        const meshBefore = await mesh(host);
        const from = Date.now();
        await restartAgent(host, { kill: true, name: lab.name });
        const caughtUp = Date.now();
        assert.ok(await eventually(async () => echo.answeredAfter(caughtUp), 5_000, 20), 'echo after');
        assert.ok(await eventually(async () => dns.okAfter(caughtUp, dbAnswer), 10_000, 20), 'DNS after');
        const to = Date.now();
        report(t, `agent of ${host} SIGKILLed, restarted and caught up in ${caughtUp - from} ms`);
        const f = loadReport(t, `agent of ${host} restart`, from, to);
        assert.ok(!echo.broke() && !peerEcho.broke(), 'no connection broke');
        assert.ok(f.echo.maxGapMs < MAX_GAP_MS, `echo gap ${f.echo.maxGapMs} ms`);
        if (host !== web.host)
          assert.equal(f.dns.failed, 0, "another host's agent restart does not touch DNS here");
        assert.equal(await mesh(host), meshBefore, 'the same mesh peers and allowed IPs');
      }
      await allCaughtUp(10_000);
      assert.ok(await everyoneSees(webs), 'every host and the gateway still agree');
    },
  );

  check(
    'the gateway SIGKILLed and restarted: the peer keeps its tunnel, the gateway converges',
    async (t) => {
      const g = lab.plan.gateways[0]!;
      const from = Date.now();
      await restartAgent(g.name, { kill: true, name: lab.name });
      const caughtUp = Date.now();
      assert.ok(await eventually(async () => peerEcho.answeredAfter(caughtUp), 5_000, 20), 'peer echo after');
      assert.ok(
        await eventually(async () => peerDns.okAfter(caughtUp, dbAnswer), 10_000, 20),
        'peer DNS after',
      );
      const to = Date.now();
      report(t, `gateway ${g.name} SIGKILLed, restarted and caught up in ${caughtUp - from} ms`);
      const f = loadReport(t, 'gateway restart', from, to);
      assert.ok(!echo.broke() && !peerEcho.broke(), 'no connection broke');
      assert.ok(f.peerEcho.maxGapMs < MAX_GAP_MS, `peer echo gap ${f.peerEcho.maxGapMs} ms`);
      assert.equal(f.dns.failed, 0, "the gateway's restart does not touch the hosts' DNS");
      const st = JSON.parse(readFileSync(join(g.stateDir, 'status.json'), 'utf8')) as { applied: number };
      assert.equal(st.applied, 0, 'the restarted gateway found WireGuard, routes and nft as they must be');
      await allCaughtUp(10_000);
      assert.ok(await everyoneSees(webs));
    },
  );

  check('every line of both conversations came back, once and in order, on the one connection', async () => {
    const now = Date.now();
    assert.ok(
      await eventually(async () => echo.answeredAfter(now) && peerEcho.answeredAfter(now), 5_000, 20),
    );
    for (const e of [echo, peerEcho]) {
      assert.ok(!e.broke(), e.p.lines.filter((l) => !l.startsWith('r ')).join('\n'));
      assert.ok(e.inOrder(), 'replies numbered 1, 2, 3, … without a hole');
    }
    for (const s of procs.slice(0, 2))
      assert.equal(s.lines.filter((l) => l.startsWith('conn ')).length, 1, 'one connection, never re-made');
  });
});
