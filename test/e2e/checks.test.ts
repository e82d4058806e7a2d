// Health checks end to end, in a lab of three hosts: the demo's web instances get an HTTP check on 8080 (a small
// server started here in each instance's namespace); killing one server takes that instance out of every host's
// DNS within about one interval, and starting it again brings it back. The checks come from each instance's own
// host (source fdaa::3), over its 6PN link.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { cannotRun, digShort, eventually, NsProcess } from './support.ts';
import { withLab } from './with-lab.ts';

const skip = cannotRun();

/** An HTTP server on [::]:PORT: 200 on /healthz; prints `listening`, then `req <remote address>` per request. */
const HTTP_HEALTH = `
const s = require('http').createServer((q, r) => { console.log('req ' + q.socket.remoteAddress); r.statusCode = q.url === '/healthz' ? 200 : 404; r.end('ok'); });
s.listen(Number(process.argv[1]), '::', () => console.log('listening'));`;

const INTERVAL_MS = 1000;

describe('health checks in the lab', { skip, timeout: 300_000 }, () => {
  const servers = new Map<string, NsProcess>();
  const lab = withLab({
    letter: 'k',
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: [],
    checkTimeoutMs: 120_000,
    tearDown: async () => {
      for (const p of servers.values()) await p.stop();
    },
  });
  const { inst, check, admin } = lab;

  const serve = async (ns: string) => {
    const p = new NsProcess(ns, HTTP_HEALTH, ['8080']);
    servers.set(ns, p);
    assert.ok(await p.waitFor(/listening/), `server in ${ns}`);
    return p;
  };

  check(
    'a failing check leaves every host’s DNS within about an interval; recovery brings it back',
    async () => {
      const webs = ['ord1', 'ord2', 'nrt1'].map((h) => inst('web', h));
      for (const w of webs) await serve(w.ns);
      const api = admin();
      await api.updateApp('acme', 'web', {
        checks: [{ type: 'http', port: 8080, path: '/healthz', interval: '1s', timeout: '300ms' }],
      });
      const all = webs.map((w) => w.address).sort();
      // one asker on every host: each host's own DNS answers it
      const seen = async (want: string[]) => {
        const answers = await Promise.all(webs.map((w) => digShort(w.ns, 'AAAA', 'web.internal')));
        return answers.every((a) => JSON.stringify(a) === JSON.stringify(want));
      };
      assert.ok(await eventually(() => seen(all), 15_000, 50), 'every web passes and is in every host’s DNS');
      const insts = await api.listInstances({ org: 'acme', app: 'web' });
      assert.ok(
        insts.every((i) => i.health === 'passing'),
        JSON.stringify(insts.map((i) => i.health)),
      );

      // the checks came from each instance's own host, from fdaa::3 over its 6PN link
      for (const p of servers.values()) {
        const from = new Set(p.lines.filter((l) => l.startsWith('req ')).map((l) => l.slice(4)));
        assert.deepEqual([...from], ['fdaa::3'], `check sources ${[...from]}`);
      }

      // the server of web@ord2 stops: it is gone from every host's DNS
      const victim = inst('web', 'ord2');
      const t0 = Date.now();
      await servers.get(victim.ns)?.stop();
      const rest = all.filter((a) => a !== victim.address);
      assert.ok(await eventually(() => seen(rest), 10_000, 20), 'gone from every host’s DNS');
      const gone = Date.now() - t0;

      console.log(`# stop → gone from every host's DNS: ${gone} ms (interval ${INTERVAL_MS} ms)`);
      // a kill can land just after a run: up to one interval until the next, then the report and the watch stream
      assert.ok(gone < INTERVAL_MS + 1500, `took ${gone} ms`);
      assert.deepEqual(await digShort(inst('web', 'nrt1').ns, 'AAAA', `${victim.id}.vm.web.internal`), []);
      const allVms = (await digShort(inst('web', 'nrt1').ns, 'TXT', 'all.vms.web.internal')).join('');
      assert.match(allVms, new RegExp(victim.id), 'all.vms still lists it');
      const failing = await api.listChecks({ org: 'acme', app: 'web' });
      assert.equal(failing[0]?.instance, victim.id, 'failing first');
      assert.equal(failing[0]?.status, 'critical');
      assert.match(failing[0]?.output ?? '', /ECONNREFUSED/);

      // recovery: back in every host's DNS
      const t1 = Date.now();
      await serve(victim.ns);
      assert.ok(await eventually(() => seen(all), 10_000, 20), 'back in every host’s DNS');
      console.log(`# restart → back in every host's DNS: ${Date.now() - t1} ms`);
    },
  );

  check(
    'all failing: NOERROR with an empty answer; removing the checks serves every started instance',
    async () => {
      const webs = ['ord1', 'ord2', 'nrt1'].map((h) => inst('web', h));
      for (const w of webs) await servers.get(w.ns)?.stop();
      const asker = inst('db').ns;
      assert.ok(
        await eventually(
          async () => (await digShort(asker, 'AAAA', 'web.internal')).length === 0,
          10_000,
          50,
        ),
      );
      const { digStatus } = await import('./support.ts');
      assert.equal(await digStatus(asker, 'AAAA', 'web.internal'), 'NOERROR');
      await admin().updateApp('acme', 'web', { checks: [] });
      const all = webs.map((w) => w.address).sort();
      assert.ok(
        await eventually(
          async () => JSON.stringify(await digShort(asker, 'AAAA', 'web.internal')) === JSON.stringify(all),
          10_000,
          50,
        ),
      );
    },
  );
});
