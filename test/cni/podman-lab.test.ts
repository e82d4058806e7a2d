// Real Podman containers on the 6PN through the sixpn CNI plugin, in a lab (hosts ord1, ord2; the demo: acme's web
// on both, db on ord2, globex's vault on ord1). A busybox container of acme's `web` on ord1 serves HTTP, reaches
// db.internal by name, is unreachable from globex and from another network of acme; `podman stop` takes it out
// of every host's DNS, `podman run` again brings a new one back. Only real programs: podman, runc, the agents.
// Run as root, holding the shared lock: flock /tmp/sixpn-e2e.lock node --import tsx --test test/cni/podman-lab.test.ts

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe } from 'node:test';
import { cannotRun, digShort, eventually, inNs, instNs, NsProcess } from '../e2e/support.ts';
import { withLab } from '../e2e/with-lab.ts';
import { IMAGE, type Podman, startPodman } from './podman.ts';

const skip = cannotRun();

/** An HTTP server on [::]:PORT answering `NAME` to every request; prints `listening`. */
const HTTP_HELLO = `
const [port, name] = process.argv.slice(1);
require('http').createServer((q, r) => r.end(name + '\\n')).listen(Number(port), '::', () => console.log('listening'));
`;

describe('podman containers on the 6PN (sixpn CNI plugin)', { skip, timeout: 400_000 }, () => {
  let podman: Podman;
  let dbServer: NsProcess | undefined;
  let other: { id: string; ns: string } | undefined;
  const lab = withLab({
    letter: 'p',
    regions: [{ code: 'ord', hosts: 2 }],
    gateways: [],
    checkTimeoutMs: 90_000,
    setUp: async (l) => {
      const admin = l.admin();
      await admin.allowHost('ord1', { org: 'acme' });
      // Another network of acme, with an instance on the same host as the container.
      await admin.createNetwork('acme', 'backoffice');
      await admin.createApp('acme', { name: 'admin', network: 'backoffice' });
      const o = await admin.createInstance('acme', 'admin', { region: 'ord', host: 'ord1' });
      other = { id: o.id, ns: instNs(o.id) };
      dbServer = new NsProcess(l.inst('db').ns, HTTP_HELLO, ['8081', 'db']);
      assert.ok(await dbServer.waitFor(/listening/), 'db serves on 8081');
      podman = await startPodman();
      const ord1 = l.plan.hosts.find((h) => h.name === 'ord1');
      assert.ok(ord1);
      await podman.network('acme-web', {
        org: 'acme',
        app: 'web',
        agentSocket: join(ord1.stateDir, 'agent.sock'),
      });
    },
    tearDown: async () => {
      await dbServer?.stop();
      await podman?.close();
    },
  });
  const { inst, check } = lab;

  /** Starts the web container (busybox httpd on [::]:8080) and returns its 6PN address. */
  const runWeb = async () => {
    await podman.run(
      [
        'run',
        '-d',
        '--name',
        'sixpn-web',
        '--network',
        'acme-web',
        IMAGE,
        'httpd',
        '-f',
        '-p',
        '[::]:8080',
        '-h',
        '/www',
      ],
      120_000,
    );
    const { stdout } = await podman.run([
      'exec',
      'sixpn-web',
      'ip',
      '-o',
      '-6',
      'addr',
      'show',
      'dev',
      'eth0',
      'scope',
      'global',
    ]);
    const address = /inet6 (fdaa:[0-9a-f:]+)\/112/.exec(stdout)?.[1];
    assert.ok(address, `eth0 has a 6PN address: ${stdout}`);
    return address;
  };
  let web = '';
  const wget = (ns: string, url: string) => inNs(ns, 'curl', ['-sS', '-g', '--max-time', '3', url], 10_000);
  const webIn = async (ns: string) => (await digShort(ns, 'AAAA', 'web.internal')).includes(web);
  const everyHost = () => [inst('web', 'ord1').ns, inst('db').ns];

  check(
    'podman run --network acme-web: the container serves HTTP to acme’s web on the other host',
    async () => {
      web = await runWeb();
      assert.equal(await wget(inst('web', 'ord2').ns, `http://[${web}]:8080/`), 'sixpn podman test\n');
    },
  );

  check('the container resolves db.internal through fdaa::3 and reaches db by name', async () => {
    const resolv = (await podman.run(['exec', 'sixpn-web', 'cat', '/etc/resolv.conf'])).stdout;
    assert.match(resolv, /^nameserver fdaa::3$/m);
    const { stdout } = await podman.run(['exec', 'sixpn-web', 'wget', '-qO-', 'http://db.internal:8081/']);
    assert.equal(stdout, 'db\n');
  });

  check('every host’s DNS lists the container under web.internal', async () => {
    for (const ns of everyHost())
      assert.ok(await eventually(() => webIn(ns), 20_000), `web.internal from ${ns}`);
  });

  check('unreachable from globex (same host) and from acme’s other network', async () => {
    await assert.rejects(wget(inst('vault').ns, `http://[${web}]:8080/`), 'globex’s vault cannot reach it');
    assert.ok(other);
    await assert.rejects(wget(other.ns, `http://[${web}]:8080/`), 'acme backoffice cannot reach it');
  });

  check('podman stop: gone from every host’s DNS; podman run again: back', async () => {
    await podman.run(['stop', '--time', '1', 'sixpn-web'], 60_000);
    for (const ns of everyHost())
      assert.ok(await eventually(async () => !(await webIn(ns)), 20_000), `gone from web.internal on ${ns}`);
    await podman.run(['rm', 'sixpn-web']);
    web = await runWeb();
    for (const ns of everyHost()) assert.ok(await eventually(() => webIn(ns), 20_000), `back on ${ns}`);
    assert.equal(await wget(inst('web', 'ord2').ns, `http://[${web}]:8080/`), 'sixpn podman test\n');
  });
});
