// Namespaces, veth pairs, addresses, routes, MTU and sysctls through the real `ip`: every ensure/remove helper
// reaches the asked state and is a no-op the second time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../../src/core/errors.ts';
import {
  ensureLinkState,
  ensureRoute,
  ensureVethPair,
  getLink,
  listAddresses,
  listRoutes,
  removeLink,
  removeRoute,
  syncAddresses,
} from '../../src/runtime/link.ts';
import {
  enableForwarding,
  ensureNetns,
  netnsExists,
  readSysctl,
  removeNetns,
} from '../../src/runtime/netns.ts';
import { cannotRun, cleanupFor, netns, ping, suffix } from './support.ts';

const skip = cannotRun(['ip', 'sysctl', 'ping']);

test('netns and link helpers are idempotent', { skip, timeout: 30_000 }, async (t) => {
  const c = cleanupFor(t);
  const s = suffix();
  const host = await netns(c, `sixpn-lnk-${s}-h`);
  const inst = await netns(c, `sixpn-lnk-${s}-i`);
  await ensureNetns(host);
  assert.ok(await netnsExists(host));
  assert.equal((await getLink(host, 'lo'))?.up, true, 'loopback is up');

  const veth = { ns: host, name: 'sxv1', peerNs: inst, peer: 'eth0', mtu: 1420 };
  await ensureVethPair(veth);
  const index = (await getLink(host, 'sxv1'))?.index;
  await ensureVethPair(veth);
  assert.equal((await getLink(host, 'sxv1'))?.index, index, 'a second ensure keeps the same interface');
  assert.equal((await getLink(inst, 'eth0'))?.mtu, 1420);

  // A half pair (the peer gone) is rebuilt.
  await removeLink(inst, 'eth0');
  assert.equal(await getLink(host, 'sxv1'), undefined, 'a veth takes its peer with it');
  await ensureVethPair(veth);
  assert.ok(await getLink(inst, 'eth0'));

  await ensureLinkState(host, 'sxv1', { up: true, mtu: 1400 });
  await ensureLinkState(inst, 'eth0', { up: true });
  await ensureLinkState(host, 'sxv1', { up: true, mtu: 1400 });
  assert.deepEqual(
    { up: (await getLink(host, 'sxv1'))?.up, mtu: (await getLink(host, 'sxv1'))?.mtu },
    { up: true, mtu: 1400 },
  );

  await syncAddresses(host, 'sxv1', ['fe80::1/64', 'fdaa:0:1:0:1::1/80', '198.18.9.1/24']);
  await syncAddresses(inst, 'eth0', ['FDAA:0:1:0:1:0:5:2/112']);
  await syncAddresses(host, 'sxv1', ['fe80::1/64', 'fdaa:0:1:0:1::1/80', '198.18.9.1/24']);
  const global = async () =>
    (await listAddresses(host, 'sxv1'))
      .filter((a) => a.scope === 'global')
      .map((a) => `${a.local}/${a.prefixlen}`);
  assert.deepEqual((await global()).sort(), ['198.18.9.1/24', 'fdaa:0:1:0:1::1/80']);
  await syncAddresses(host, 'sxv1', ['fdaa:0:1:0:1::1/80']);
  assert.ok(
    (await listAddresses(host, 'sxv1')).some((a) => a.local === 'fe80::1'),
    'link-local stays',
  );
  assert.deepEqual(await global(), ['fdaa:0:1:0:1::1/80'], 'addresses not asked for are removed');

  await ensureRoute(inst, { dst: 'fdaa::/16', via: 'fe80::1', dev: 'eth0' });
  await ensureRoute(inst, { dst: 'fdaa::/16', via: 'fe80::1', dev: 'eth0' });
  await ensureRoute(host, { dst: 'fdaa:0:1:0:1:0:5:0/112', dev: 'sxv1' });
  const routes = (await listRoutes(inst, 6)).filter((r) => r.dst === 'fdaa::/16');
  assert.deepEqual(routes, [{ dst: 'fdaa::/16', gateway: 'fe80::1', dev: 'eth0' }]);
  assert.ok(await ping(inst, 'fdaa:0:1:0:1::1'), 'the instance reaches the host');
  await removeRoute(inst, 'fdaa::/16');
  await removeRoute(inst, 'fdaa::/16');
  assert.equal((await listRoutes(inst, 6)).filter((r) => r.dst === 'fdaa::/16').length, 0);

  await enableForwarding(host);
  await enableForwarding(host);
  assert.equal(await readSysctl(host, 'net.ipv6.conf.all.forwarding'), '1');

  await removeLink(host, 'sxv1');
  await removeLink(host, 'sxv1');
  await removeNetns(inst);
  await removeNetns(inst);
  assert.equal(await netnsExists(inst), false);
});

test('helpers refuse names sixpn does not own', { skip }, async () => {
  await assert.rejects(ensureNetns('lab'), SixpnError);
  await assert.rejects(removeLink(undefined, 'eth0'), SixpnError);
  await assert.rejects(
    ensureVethPair({ name: 'eth9', peerNs: 'sixpn-x', peer: 'eth0' }),
    (e: unknown) => e instanceof SixpnError && /sx… interfaces/.test(e.message),
  );
});
