// Store suite: service addresses. A per-network counter hands out service numbers that are never reused; the
// address is `fdaa:N:N:0:0:S:S:2`; an app without private networking cannot have one; every change is one entry.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../../test/support/postgres.ts';
import { defaultPlan, parseIPv6, serviceOf } from '../../core/address.ts';
import { deterministic, rejectsWithoutWrite } from './test-fixtures.ts';

forEachBackend('store service addresses', (b) => {
  test('create with a service address: S = 1, 2, … per network, the address of the plan', async () => {
    const s = await b.open(deterministic());
    await s.createOrg('acme');
    await s.createNetwork('acme', 'blue');
    const net = (await s.getNetwork('acme', 'default')).num;
    const web = await s.createApp({ org: 'acme', name: 'web', private_network: true, service_address: true });
    const api = await s.createApp({ org: 'acme', name: 'api', private_network: true, service_address: true });
    const other = await s.createApp({
      org: 'acme',
      name: 'db',
      network: 'blue',
      private_network: true,
      service_address: true,
    });
    const plain = await s.createApp({ org: 'acme', name: 'plain', private_network: true });
    assert.deepEqual(serviceOf(defaultPlan, parseIPv6(web.service_address ?? '')), {
      network: net,
      service: 1,
    });
    assert.deepEqual(serviceOf(defaultPlan, parseIPv6(api.service_address ?? '')), {
      network: net,
      service: 2,
    });
    assert.equal(serviceOf(defaultPlan, parseIPv6(other.service_address ?? ''))?.service, 1, 'per network');
    assert.equal(web.service_address, `fdaa:0:${net.toString(16)}::1:2`);
    assert.equal(plain.service_address, null);
    assert.deepEqual(await s.getApp('acme', 'web'), web);
    assert.deepEqual(
      (await s.listApps('acme')).map((a) => [a.name, a.service_address]),
      [
        ['api', api.service_address],
        ['db', other.service_address],
        ['plain', null],
        ['web', web.service_address],
      ],
    );
    const snap = await s.snapshot();
    assert.equal(snap.apps.find((a) => a.name === 'web')?.service_address, web.service_address);
    await s.close();
  });

  test('numbers are never reused: not after removal, not after the app is deleted', async () => {
    const s = await b.open(deterministic());
    await s.createOrg('acme');
    const a1 = await s.createApp({ org: 'acme', name: 'web', private_network: true, service_address: true });
    const off = await s.updateApp('acme', 'web', { service_address: false });
    assert.equal(off.service_address, null);
    const on = await s.updateApp('acme', 'web', { service_address: true });
    await s.deleteApp('acme', 'web');
    const a2 = await s.createApp({ org: 'acme', name: 'web', private_network: true, service_address: true });
    const nums = [a1, on, a2].map((a) => serviceOf(defaultPlan, parseIPv6(a.service_address ?? ''))?.service);
    assert.deepEqual(nums, [1, 2, 3]);
    await s.close();
  });

  test('update: asking for what it has changes nothing; each change is one app entry', async () => {
    const s = await b.open(deterministic());
    await s.createOrg('acme');
    await s.createApp({ org: 'acme', name: 'web', private_network: true });
    const head = await s.headRevision();
    const on = await s.updateApp('acme', 'web', { service_address: true });
    assert.equal(await s.headRevision(), head + 1);
    const page = await s.changesSince(head, 10);
    assert.deepEqual(
      page.changes.map((c) => [c.op, c.kind, (c.obj as { service_address?: unknown }).service_address]),
      [['put', 'app', on.service_address]],
    );
    assert.deepEqual(await s.updateApp('acme', 'web', { service_address: true }), on);
    assert.deepEqual(await s.updateApp('acme', 'web', {}), on);
    assert.equal(await s.headRevision(), head + 1, 'no-op updates write nothing');
    await s.updateApp('acme', 'web', { service_address: false });
    await s.updateApp('acme', 'web', { service_address: false });
    assert.equal(await s.headRevision(), head + 2);
    await s.close();
  });

  test('no private networking: invalid_argument naming service_address, nothing written', async () => {
    const s = await b.open(deterministic());
    await s.createOrg('acme');
    await s.createApp({ org: 'acme', name: 'batch', private_network: false });
    const field = { field: 'service_address' };
    await rejectsWithoutWrite(
      s,
      () => s.createApp({ org: 'acme', name: 'web', private_network: false, service_address: true }),
      'invalid_argument',
      /service_address: app web has no private networking/,
      field,
    );
    await rejectsWithoutWrite(
      s,
      () => s.updateApp('acme', 'batch', { service_address: true }),
      'invalid_argument',
      /service_address: app batch has no private networking/,
      field,
    );
    await assert.rejects(s.getApp('acme', 'web'));
    await rejectsWithoutWrite(s, () => s.updateApp('acme', 'nosuch', { service_address: true }), 'not_found');
    // The counter did not move: the next service number is still 1.
    const web = await s.createApp({ org: 'acme', name: 'web', private_network: true, service_address: true });
    assert.equal(serviceOf(defaultPlan, parseIPv6(web.service_address ?? ''))?.service, 1);
    await s.close();
  });
});
