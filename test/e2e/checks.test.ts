// Health checks and the service address end to end, in a lab of three hosts, on the demo as `lab up` makes it:
// every instance is busybox httpd on :8080 run by `sixpn run` (answering `APP ID REGION`), and web has an HTTP check
// on `/` every 2 s and a service address. From db's instance a loop of requests to svc.web.internal:8080 spreads
// over the web instances of db's own region. A hung server (SIGSTOP) fails its check and leaves every host's DNS
// and load balancer within about an interval; a killed one ends its `sixpn run`, which stops the instance; the
// loop keeps being answered meanwhile (failures only within that window); recovery brings each back.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe } from 'node:test';
import { NFT_TABLE } from '../../src/agent/desired.ts';
import { startDemoServer } from '../../src/lab/demo.ts';
import { DEMO_WEB_CHECK } from '../../src/lab/demo-plan.ts';
import { isAlive } from '../../src/lab/processes.ts';
import { run } from '../../src/runtime/exec.ts';
import { cannotRun, digShort, digStatus, eventually, inNs, NsProcess } from './support.ts';
import { withLab } from './with-lab.ts';

const skip = cannotRun();

/** The demo check's interval and timeout (demo-plan.ts), ms. */
const INTERVAL_MS = 2000;
const TIMEOUT_MS = 500;
/** Each request of the loop gives up after this long. */
const REQUEST_MS = 1000;

/**
 * GETs argv[1] over a new connection every 50 ms (no keep-alive: each request is a new flow the load balancer
 * places); prints `ok <start ms> <body>` or `fail <start ms> <error code>`.
 */
const LOOP = `
const http = require('node:http');
const once = () => new Promise((done) => {
  const t = Date.now();
  const q = http.get(process.argv[1], { agent: false, timeout: ${REQUEST_MS} }, (r) => {
    let b = ''; r.on('data', (d) => { b += d; }); r.on('end', () => { console.log('ok ' + t + ' ' + b.trim()); done(); });
  });
  q.on('timeout', () => q.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  q.on('error', (e) => { console.log('fail ' + t + ' ' + (e.code || e.message)); done(); });
});
(async () => { for (;;) { await once(); await new Promise((r) => setTimeout(r, 50)); } })();`;

interface Answer {
  ok: boolean;
  at: number;
  /** The instance id that answered (ok), or the error code. */
  what: string;
}

const answers = (p: NsProcess, since = 0): Answer[] =>
  p.lines
    .map((l) => l.split(' '))
    .map(([k, at, ...rest]) => ({
      ok: k === 'ok',
      at: Number(at),
      what: k === 'ok' ? (rest[1] ?? '') : rest.join(' '),
    }))
    .filter((a) => a.at >= since);

describe('health checks and the service address in the lab', { skip, timeout: 300_000 }, () => {
  const loops: NsProcess[] = [];
  const lab = withLab({
    letter: 'k',
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: [],
    checkTimeoutMs: 120_000,
    tearDown: async () => {
      for (const p of loops) await p.stop();
    },
  });
  const { inst, check, admin } = lab;
  const hostNs = (h: string) => `${lab.plan.nsPrefix}${h}`;

  /** The pid of the busybox httpd serving in `ns`. */
  const httpdIn = async (ns: string): Promise<number> => {
    const pids = (await run('ip', ['netns', 'pids', ns])).stdout.split('\n').filter(Boolean).map(Number);
    const comm = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    const httpd = pids.find((pid) => comm(pid) === 'busybox');
    assert.ok(httpd, `a busybox httpd in ${ns} (pids ${pids.join(' ')})`);
    return httpd;
  };

  /** One asker per host: each host's own DNS answers it (db is on ord2). */
  const askers = () => [inst('web', 'ord1').ns, inst('db').ns, inst('web', 'nrt1').ns];
  const dnsSees = async (want: string[]) => {
    const got = await Promise.all(askers().map((ns) => digShort(ns, 'AAAA', 'web.internal')));
    return got.every((a) => JSON.stringify(a) === JSON.stringify([...want].sort()));
  };
  /** The members of every service-address chain on host `h` (the DNAT map of its nft table). */
  const lbMembers = async (h: string): Promise<string[]> => {
    const out = await inNs(hostNs(h), 'nft', ['list', 'table', 'inet', NFT_TABLE]);
    const maps = [...out.matchAll(/dnat ip6 to numgen random mod \d+ map \{([^}]*)\}/g)];
    return maps.flatMap((m) => [...(m[1] ?? '').matchAll(/\d+ : ([0-9a-f:]+)/g)].map((x) => x[1] ?? ''));
  };
  /**
   * Whether `victim` (an ord instance) is a member on every host where it can be: the ord hosts (nrt1 balances
   * over its own region's instances while they serve), and never on nrt1.
   */
  const lbEverywhere = async (victim: string, present: boolean) => {
    for (const h of ['ord1', 'ord2']) if ((await lbMembers(h)).includes(victim) !== present) return false;
    return !(await lbMembers('nrt1')).includes(victim);
  };
  const startLoop = async () => {
    const p = new NsProcess(inst('db').ns, LOOP, ['http://svc.web.internal:8080/']);
    loops.push(p);
    assert.ok(await p.waitFor(/^ok /, 10_000), `the loop is answered: ${p.lines.slice(0, 3).join(' | ')}`);
    return p;
  };
  const idsAnswering = (p: NsProcess, since: number) =>
    new Set(
      answers(p, since)
        .filter((a) => a.ok)
        .map((a) => a.what),
    );

  check('the demo: every instance answers on :8080 with its app, id and region; web serves', async () => {
    const db = inst('db');
    const body = (
      await inNs(inst('web', 'nrt1').ns, 'curl', ['-sS', '-m', '3', 'http://db.internal:8080/'])
    ).trim();
    assert.equal(body, `db ${db.id} ${db.region}`);
    const nrt = inst('web', 'nrt1');
    const far = (await inNs(db.ns, 'curl', ['-sS', '-m', '3', 'http://nrt.web.internal:8080/'])).trim();
    assert.equal(far, `web ${nrt.id} nrt`);
    const webs = (await admin().listInstances({ org: 'acme', app: 'web' })).filter(
      (i) => i.state === 'started',
    );
    assert.equal(webs.length, 3);
    assert.ok(
      webs.every((i) => i.health === 'passing'),
      JSON.stringify(webs.map((i) => i.health)),
    );
    assert.ok(await dnsSees(webs.map((i) => i.address ?? '')), 'every web in every host’s DNS');
    const app = await admin().getApp('acme', 'web');
    assert.ok(app.service_address, 'web has a service address');
    assert.deepEqual(await digShort(db.ns, 'AAAA', 'svc.web.internal'), [app.service_address]);
  });

  check(
    'a hung web server fails its check: out of every host’s DNS and load balancer within about an interval, ' +
      'svc.web.internal keeps answering; SIGCONT brings it back',
    async () => {
      const [w1, w2, w3] = ['ord1', 'ord2', 'nrt1'].map((h) => inst('web', h));
      assert.ok(w1 && w2 && w3);
      const all = [w1, w2, w3].map((w) => w.address);
      assert.ok(await eventually(() => dnsSees(all), 10_000, 50), 'every web in every host’s DNS');
      const loop = await startLoop();
      const t00 = Date.now();
      // spread over the web instances of the asker's region (db is in ord), none from nrt while ord serves
      assert.ok(
        await eventually(async () => idsAnswering(loop, t00).size >= 2, 10_000, 50),
        `answers from ${[...idsAnswering(loop, t00)]}`,
      );
      assert.deepEqual([...idsAnswering(loop, t00)].sort(), [w1.id, w2.id].sort());

      const victim = w1;
      const pid = await httpdIn(victim.ns);
      const t0 = Date.now();
      process.kill(pid, 'SIGSTOP');
      try {
        const rest = all.filter((a) => a !== victim.address);
        assert.ok(await eventually(() => dnsSees(rest), 15_000, 20), 'gone from every host’s DNS');
        const gone = Date.now() - t0;
        assert.ok(
          await eventually(() => lbEverywhere(victim.address, false), 5_000, 20),
          'gone from every LB',
        );
        const goneLb = Date.now() - t0;
        console.log(
          `# SIGSTOP → gone from every host's DNS ${gone} ms, LB ${goneLb} ms (interval ${INTERVAL_MS} ms)`,
        );
        // a run can begin just before the stop: up to an interval until the next, its timeout, then the report
        assert.ok(gone < INTERVAL_MS + TIMEOUT_MS + 1500, `took ${gone} ms`);
        const failing = await admin().listChecks({ org: 'acme', app: 'web' });
        assert.equal(failing[0]?.instance, victim.id, 'failing first');
        assert.equal(failing[0]?.status, 'critical');
        assert.match(failing[0]?.output ?? '', /timed out/);
        const allVms = (await digShort(w3.ns, 'TXT', 'all.vms.web.internal')).join('');
        assert.match(allVms, new RegExp(victim.id), 'all.vms still lists it (started, not serving)');

        // two more seconds of the loop: only w2 answers now
        const tGone = t0 + goneLb;
        await new Promise((r) => setTimeout(r, 2000));
        const after = answers(loop, tGone + REQUEST_MS);
        assert.ok(after.length >= 5, `the loop went on: ${after.length} requests`);
        assert.deepEqual(
          after.filter((a) => !a.ok),
          [],
          'no failure once it left the load balancer',
        );
        assert.deepEqual([...new Set(after.map((a) => a.what))], [w2.id]);
        const fails = answers(loop, t0).filter((a) => !a.ok);
        console.log(`# the loop meanwhile: ${answers(loop, t0).length} requests, ${fails.length} failed`);
        // only requests that went to the hung server before it left the LB fail, each after REQUEST_MS
        assert.ok(fails.length <= Math.ceil(goneLb / REQUEST_MS) + 1, `${fails.length} failures`);
        assert.ok(
          fails.every((f) => f.at < tGone),
          'failures only within the window',
        );
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const t1 = Date.now();
      assert.ok(await eventually(() => dnsSees(all), 10_000, 20), 'back in every host’s DNS');
      assert.ok(await eventually(() => lbEverywhere(victim.address, true), 5_000, 20), 'back in the LB');
      assert.ok(
        await eventually(async () => idsAnswering(loop, t1).has(victim.id), 10_000, 50),
        'it answers the loop again',
      );
      console.log(`# SIGCONT → back in every host's DNS and answering: ${Date.now() - t1} ms`);
      await loop.stop();
    },
  );

  check(
    'all failing: NOERROR with an empty answer, svc.web.internal refused at once; removing the checks serves every started instance',
    async () => {
      const webs = ['ord1', 'ord2', 'nrt1'].map((h) => inst('web', h));
      const pids = await Promise.all(webs.map((w) => httpdIn(w.ns)));
      const asker = inst('db').ns;
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      try {
        assert.ok(
          await eventually(
            async () => (await digShort(asker, 'AAAA', 'web.internal')).length === 0,
            15_000,
            50,
          ),
        );
        assert.equal(await digStatus(asker, 'AAAA', 'web.internal'), 'NOERROR');
        assert.ok(await eventually(async () => (await lbMembers('ord2')).length === 0, 5_000, 20));
        const t = Date.now();
        const r = await inNs(asker, 'sh', [
          '-c',
          'curl -sS -m 3 http://svc.web.internal:8080/ 2>&1; echo " rc=$?"',
        ]);
        assert.match(r, /rc=7/, `refused, not timed out: ${r}`);
        assert.ok(Date.now() - t < 2000, 'at once');
        await admin().updateApp('acme', 'web', { checks: [] });
        const all = webs.map((w) => w.address);
        assert.ok(await eventually(() => dnsSees(all), 10_000, 50));
      } finally {
        for (const pid of pids) process.kill(pid, 'SIGCONT');
      }
      await admin().updateApp('acme', 'web', { checks: [{ ...DEMO_WEB_CHECK }] });
      const all = webs.map((w) => w.address);
      assert.ok(await eventually(() => dnsSees(all), 10_000, 50), 'the demo’s check passes again everywhere');
    },
  );

  check(
    'a killed web server ends its `sixpn run`, which stops the instance: out of every host’s DNS and load ' +
      'balancer, svc.web.internal keeps answering; running it again brings web back',
    async () => {
      const [w1, w2, w3] = ['ord1', 'ord2', 'nrt1'].map((h) => inst('web', h));
      assert.ok(w1 && w2 && w3);
      const all = [w1, w2, w3].map((w) => w.address);
      assert.ok(await eventually(() => dnsSees(all), 10_000, 50));
      const loop = await startLoop();
      const victim = w2;
      const run = lab.state.processes['demo:web@ord2'];
      assert.ok(run && isAlive(run), 'its sixpn run');
      const t0 = Date.now();
      process.kill(await httpdIn(victim.ns), 'SIGKILL');
      assert.ok(await eventually(async () => !isAlive(run), 5_000, 20), 'sixpn run ended with its server');
      const rest = all.filter((a) => a !== victim.address);
      assert.ok(await eventually(() => dnsSees(rest), 10_000, 20), 'gone from every host’s DNS');
      const gone = Date.now() - t0;
      assert.ok(await eventually(() => lbEverywhere(victim.address, false), 5_000, 20), 'gone from every LB');
      const goneLb = Date.now() - t0;
      const stopped = (await admin().listInstances({ org: 'acme', app: 'web' })).find(
        (i) => i.id === victim.id,
      );
      assert.equal(stopped?.state, 'stopped');
      console.log(`# SIGKILL → stopped, gone from every host's DNS ${gone} ms, LB ${goneLb} ms`);
      assert.ok(goneLb < 3000, `took ${goneLb} ms`);
      await new Promise((r) => setTimeout(r, 1500));
      const fails = answers(loop, t0).filter((a) => !a.ok);
      console.log(`# the loop meanwhile: ${answers(loop, t0).length} requests, ${fails.length} failed`);
      // refused at once by the dead server until its instance left the LB (one request per 50 ms at most, about
      // half of them to it), none after
      assert.ok(fails.length <= Math.ceil(goneLb / 50), `${fails.length} failures: ${JSON.stringify(fails)}`);
      assert.ok(
        fails.every((f) => f.at < t0 + goneLb),
        'failures only within the window',
      );
      assert.deepEqual([...idsAnswering(loop, t0 + goneLb)], [w1.id]);

      // running it again: `sixpn run` makes a new web instance on ord2, which serves once its check passes
      const t1 = Date.now();
      startDemoServer(lab.plan, { org: 'acme', app: 'web', region: 'ord', host: 'ord2' });
      let fresh: string | undefined;
      assert.ok(
        await eventually(
          async () => {
            const i = (await admin().listInstances({ org: 'acme', app: 'web', host: 'ord2' })).find(
              (x) => x.state === 'started' && x.health === 'passing',
            );
            fresh = i?.id;
            return i?.address ? dnsSees([...rest, i.address]) : false;
          },
          20_000,
          50,
        ),
        'a new web on ord2 in every host’s DNS',
      );
      assert.ok(fresh);
      assert.ok(
        await eventually(async () => idsAnswering(loop, t1).has(fresh ?? ''), 10_000, 50),
        'it answers the loop',
      );
      console.log(`# sixpn run again → a new instance serving everywhere: ${Date.now() - t1} ms`);
      await loop.stop();
    },
  );
});
