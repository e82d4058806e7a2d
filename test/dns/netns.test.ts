// Real clients against a running server, laid out like a host: the server and an upstream unbound in a "host"
// namespace answering on fdaa::3 and on each network's fdaa:N:N::3; an instance of network A and one of network
// B in their own namespaces, wired to the host by veths. dig (UDP and TCP) and glibc (getent) ask every name;
// A and B never see each other's names. The server runs on 2 reusePort worker threads (as `sixpn dns` on a
// host with 2 cores); each dig comes from a new source port, so both workers answer.

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dnsFleet } from '../../src/core/test-fleet.ts';
import { run } from '../../src/runtime/exec.ts';
import { ensureRoute } from '../../src/runtime/link.ts';
import { Cleanup, cannotRun, netns, suffix, wire } from '../runtime/support.ts';
import { type Child, startChild } from './support/child.ts';
import { startUnbound, WWW_A, WWW_AAAA } from './support/unbound.ts';

const D = dnsFleet();

const skip = cannotRun(['ip', 'dig', 'getent', 'unbound']);

const W1 = 'fdaa:0:18:0:1:a000:1:2';
const W2 = 'fdaa:0:18:0:2:a000:2:2';
const W3 = 'fdaa:0:18:0:3:b000:3:2';
const VAULT = 'fdaa:0:2a:0:1:f000:7:2';
/** An address in no network, for the gateway case (the listening address decides). */
const OUTSIDE = 'fd00::99';
const BIG = 30;

interface Dug {
  status: string;
  lines: string[];
}

/** `dig` inside `ns`: status and the answer records' data. */
async function digIn(ns: string, args: string[]): Promise<Dug> {
  const { stdout } = await run(
    'ip',
    ['netns', 'exec', ns, 'dig', '+nocmd', '+noall', '+comments', '+answer', '+time=2', '+tries=1', ...args],
    {
      timeoutMs: 10_000,
    },
  );
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'none';
  const lines = stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith(';'))
    .map((l) => l.split(/\s+/).slice(4).join(' '));
  return { status, lines };
}

/** `getent ahosts NAME` inside `ns`: the distinct addresses, or undefined when it resolves nothing. */
async function getent(ns: string, name: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await run('ip', ['netns', 'exec', ns, 'getent', 'ahosts', name], {
      timeoutMs: 15_000,
    });
    return [
      ...new Set(
        stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(/\s+/)[0] ?? ''),
      ),
    ].sort();
  } catch {
    return undefined;
  }
}

describe('real clients in network namespaces', { skip }, () => {
  const c = new Cleanup();
  const r = suffix();
  const H = `sixpn-dnst-${r}`;
  const A = `sixpn-dnst-${r}-a`;
  const B = `sixpn-dnst-${r}-b`;
  let server: Child;

  before(async () => {
    await netns(c, H);
    await netns(c, A);
    await netns(c, B);
    for (const [ns, tag, addrs] of [
      [A, 'a', [`${W1}/128`, `${OUTSIDE}/128`]],
      [B, 'b', [`${VAULT}/128`]],
    ] as const) {
      const hostSide = `sxd${tag}${r}`;
      const instSide = `sxd${tag}i${r}`;
      await wire({ ns: H, name: hostSide, addrs: [] }, { ns, name: instSide, addrs: [...addrs] });
      await run('ip', ['-n', H, 'addr', 'add', 'fe80::1/64', 'dev', hostSide, 'nodad']);
      await run('ip', ['-n', ns, 'addr', 'add', 'fe80::2/64', 'dev', instSide, 'nodad']);
      await ensureRoute(ns, { dst: 'fdaa::/16', via: 'fe80::1', dev: instSide });
      for (const a of addrs) await ensureRoute(H, { dst: a, dev: hostSide });
      // glibc in the instance uses the host resolver, like an instance's /etc/resolv.conf
      const dir = join('/etc/netns', ns);
      mkdirSync(dir, { recursive: true });
      c.add(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'resolv.conf'), 'nameserver fdaa::3\noptions timeout:2 attempts:1\n');
    }
    for (const a of ['fdaa::3/128', 'fdaa:0:18::3/128', 'fdaa:0:2a::3/128']) {
      await run('ip', ['-n', H, 'addr', 'add', a, 'dev', 'lo']);
    }
    const unbound = await startUnbound({ port: 5353, ns: H });
    c.add(() => unbound.stop());
    const snapshot = D.snapshot();
    snapshot.apps.push(D.makeApp('acme', 'big'));
    for (let i = 1; i <= BIG; i++)
      snapshot.instances.push(D.makeInstance(0x5000 + i, D.makeApp('acme', 'big'), 'host-8'));
    const started = await startChild('node', ['--import', 'tsx', 'test/dns/support/serve.ts'], {
      ns: H,
      ready: /^READY /,
      input: JSON.stringify({
        snapshot,
        listen: ['[fdaa::3]:53', '[fdaa:0:18::3]:53', '[fdaa:0:2a::3]:53'],
        upstreams: [unbound.upstream],
        region: 'ord',
        workers: 2,
      }),
    });
    server = started.child;
    c.add(() => server.stop());
  });
  after(() => c.run());

  const fromA: [name: string, type: string, lines: string[]][] = [
    ['web.internal', 'AAAA', [W3, W1, W2]],
    ['global.web.internal', 'AAAA', [W3, W1, W2]],
    ['ord.web.internal', 'AAAA', [W1, W2]],
    ['nrt.web.internal', 'AAAA', [W3]],
    ['top1.nearest.of.web.internal', 'AAAA', [W1]],
    ['top2.nearest.of.web.internal', 'AAAA', [W1, W2]],
    ['a0000001.vm.web.internal', 'AAAA', [W1]],
    ['laptop._peer.internal', 'AAAA', ['fdaa:0:18:0:9::102']],
    ['_api.internal', 'AAAA', ['fdaa:0:18::3']],
    ['regions.web.internal', 'TXT', ['"nrt,ord"']],
    ['all.regions.web.internal', 'TXT', ['"iad,nrt,ord"']],
    ['vms.web.internal', 'TXT', ['"a0000001 ord,a0000002 ord,b0000003 nrt"']],
    ['all.vms.web.internal', 'TXT', ['"a0000001 ord,a0000002 ord,b0000003 nrt,c0000004 iad"']],
    ['_apps.internal', 'TXT', ['"big,db,idle,web"']],
    ['_peer.internal', 'TXT', ['"laptop"']],
    ['www.example.test', 'A', [WWW_A]],
    ['www.example.test', 'AAAA', [WWW_AAAA]],
  ];

  for (const transport of ['+notcp', '+tcp']) {
    test(`dig ${transport} from an instance of network A: every name`, async () => {
      for (const [name, type, lines] of fromA) {
        const got = await digIn(A, [transport, '@fdaa::3', name, type]);
        assert.deepEqual(got, { status: 'NOERROR', lines }, `${type} ${name}`);
      }
      const inst = await digIn(A, [transport, '@fdaa::3', '_instances.internal', 'TXT']);
      assert.equal(inst.lines.length, 1);
      assert.match(inst.lines[0] ?? '', /instance=a0000001,app=web,ip=fdaa:0:18:0:1:a000:1:2,region=ord/);
      const all = await digIn(A, [transport, '@fdaa::3', 'all._instances.internal', 'TXT']);
      assert.match(all.lines.join(''), /instance=c0000004,app=web/);
    });
  }

  test('dig: TC over UDP without EDNS, then the whole answer over TCP', async () => {
    const truncated = await digIn(A, ['+noedns', '+ignore', '@fdaa::3', 'big.internal', 'AAAA']);
    assert.equal(truncated.lines.length, 0);
    const retried = await digIn(A, ['+noedns', '@fdaa::3', 'big.internal', 'AAAA']);
    assert.equal(retried.lines.length, BIG);
  });

  test('networks A and B never see each other', async () => {
    assert.deepEqual(await digIn(B, ['@fdaa::3', 'vault.internal', 'AAAA']), {
      status: 'NOERROR',
      lines: [VAULT],
    });
    assert.deepEqual(await digIn(B, ['@fdaa::3', '_api.internal', 'AAAA']), {
      status: 'NOERROR',
      lines: ['fdaa:0:2a::3'],
    });
    assert.deepEqual(await digIn(B, ['@fdaa::3', '_apps.internal', 'TXT']), {
      status: 'NOERROR',
      lines: ['"vault"'],
    });
    for (const name of [
      'web.internal',
      'a0000001.vm.web.internal',
      'laptop._peer.internal',
      'regions.web.internal',
    ]) {
      assert.equal((await digIn(B, ['@fdaa::3', name, 'AAAA'])).status, 'NXDOMAIN', `B asks ${name}`);
    }
    for (const name of ['vault.internal', 'ci._peer.internal', 'f0000007.vm.vault.internal']) {
      assert.equal((await digIn(A, ['@fdaa::3', name, 'AAAA'])).status, 'NXDOMAIN', `A asks ${name}`);
    }
    const instB = await digIn(B, ['@fdaa::3', 'all._instances.internal', 'TXT']);
    assert.doesNotMatch(instB.lines.join(''), /app=web|app=db/);
  });

  test('gateway case: the network DNS address decides; outside every network is REFUSED', async () => {
    const viaA = await digIn(A, ['-b', OUTSIDE, '@fdaa:0:18::3', 'web.internal', 'AAAA']);
    assert.deepEqual(viaA, { status: 'NOERROR', lines: [W3, W1, W2] });
    const viaB = await digIn(A, ['-b', OUTSIDE, '@fdaa:0:2a::3', '_api.internal', 'AAAA']);
    assert.deepEqual(viaB, { status: 'NOERROR', lines: ['fdaa:0:2a::3'] });
    assert.equal((await digIn(A, ['-b', OUTSIDE, '@fdaa::3', 'web.internal', 'AAAA'])).status, 'REFUSED');
    assert.equal((await digIn(A, ['-b', OUTSIDE, '@fdaa::3', 'www.example.test', 'A'])).status, 'REFUSED');
  });

  test('glibc (getent ahosts) resolves .internal names and recursed ones', async () => {
    assert.deepEqual(await getent(A, 'web.internal'), [W1, W2, W3]);
    assert.deepEqual(await getent(A, 'WEB.Internal'), [W1, W2, W3]);
    assert.deepEqual(await getent(A, 'db.internal'), ['fdaa:0:18:0:1:d00:5:2']);
    assert.deepEqual(await getent(A, 'nrt.web.internal'), [W3]);
    assert.deepEqual(await getent(A, 'top1.nearest.of.web.internal'), [W1]);
    assert.deepEqual(await getent(A, 'a0000002.vm.web.internal'), [W2]);
    // 30 records do not fit 512 bytes: glibc gets TC and asks again over TCP
    assert.equal((await getent(A, 'big.internal'))?.length, BIG);
    // the instance has no IPv4 address, so glibc (AI_ADDRCONFIG) asks only for AAAA
    assert.deepEqual(await getent(A, 'www.example.test'), [WWW_AAAA]);
    assert.equal(await getent(A, 'vault.internal'), undefined);
    assert.equal(await getent(A, 'nope.internal'), undefined);
    assert.deepEqual(await getent(B, 'vault.internal'), [VAULT]);
    assert.equal(await getent(B, 'web.internal'), undefined);
  });
});
