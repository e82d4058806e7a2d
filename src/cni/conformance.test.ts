// Spec conformance of the `sixpn` CNI plugin: feeds it the example configurations and environment of the CNI 1.0.0
// spec's appendix (https://github.com/containernetworking/cni/blob/spec-v1.0.0/SPEC.md#appendix-examples) and
// checks every stdout against the spec's JSON shapes (section 5), written below as strict zod schemas.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { runPlugin } from './plugin.ts';
import { FakeHost } from './test-fakes.ts';

// ----- SPEC.md §5 as schemas -------------------------------------------------------------------------------
const ip = z.union([z.ipv4(), z.ipv6()]);
const cidr = z.union([z.cidrv4(), z.cidrv6()]);
const successSchema = z
  .strictObject({
    cniVersion: z.literal('1.0.0'),
    interfaces: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          mac: z.mac().optional(),
          sandbox: z.string().optional(),
        }),
      )
      .optional(),
    ips: z.array(
      // 1.0.0 removed `version` from ips: a strict object rejects it.
      z.strictObject({
        address: cidr,
        gateway: ip.optional(),
        interface: z.number().int().min(0).optional(),
      }),
    ),
    routes: z.array(z.strictObject({ dst: cidr, gw: ip.optional() })).optional(),
    dns: z
      .strictObject({
        nameservers: z.array(ip).optional(),
        domain: z.string().optional(),
        search: z.array(z.string()).optional(),
        options: z.array(z.string()).optional(),
      })
      .optional(),
  })
  .refine(
    (r) => (r.ips ?? []).every((i) => i.interface === undefined || i.interface < (r.interfaces ?? []).length),
    {
      message: 'ips[].interface must index interfaces',
    },
  );
const WELL_KNOWN = [1, 2, 3, 4, 5, 6, 7, 11];
const errorSchema = z.strictObject({
  cniVersion: z.string().min(1),
  code: z
    .number()
    .int()
    .refine((c) => WELL_KNOWN.includes(c) || c >= 100, 'codes 0-99 are reserved for the well-known errors'),
  msg: z.string().min(1),
  details: z.string().optional(),
});
const versionSchema = z.strictObject({
  cniVersion: z.string(),
  supportedVersions: z.array(z.string().regex(/^\d+\.\d+\.\d+$/)).min(1),
});

// ----- The spec's examples (appendix), as the runtime hands them to each plugin ----------------------------------
const bridgeResult = {
  ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 2 }],
  routes: [{ dst: '0.0.0.0/0' }],
  interfaces: [
    { name: 'cni0', mac: '00:11:22:33:44:55' },
    { name: 'veth3243', mac: '55:44:33:22:11:11' },
    { name: 'eth0', mac: '00:11:22:33:44:66', sandbox: '/var/run/netns/blue' },
  ],
  dns: { nameservers: ['10.1.0.1'] },
};
const bridgeConfig = {
  cniVersion: '1.0.0',
  name: 'dbnet',
  type: 'bridge',
  bridge: 'cni0',
  keyA: ['some more', 'plugin specific', 'configuration'],
  ipam: { type: 'host-local', subnet: '10.1.0.0/16', gateway: '10.1.0.1' },
  dns: { nameservers: ['10.1.0.1'] },
};
const tuningConfig = {
  cniVersion: '1.0.0',
  name: 'dbnet',
  type: 'tuning',
  sysctl: { 'net.core.somaxconn': '500' },
  runtimeConfig: { mac: '00:11:22:33:44:66' },
  prevResult: bridgeResult,
};
const portmapConfig = {
  cniVersion: '1.0.0',
  name: 'dbnet',
  type: 'portmap',
  runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
  prevResult: bridgeResult,
};
/** The spec's examples with this plugin in place of theirs: its type and the two keys it needs. */
const ours = (c: object, extra: object = {}) => ({ ...c, type: 'sixpn', org: 'acme', app: 'web', ...extra });
/** The appendix's attachment: CNI_IFNAME=eth0, the generic argument argA=foo, the sandbox of its results. */
const specEnv = (command: string, extra: Record<string, string | undefined> = {}) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'example',
  CNI_NETNS: '/var/run/netns/blue',
  CNI_IFNAME: 'eth1',
  CNI_ARGS: 'argA=foo',
  CNI_PATH: '/opt/cni/bin',
  ...extra,
});

function host() {
  const h = new FakeHost();
  h.namespaces.add('/var/run/netns/blue');
  return h;
}

async function run(h: FakeHost, env: Record<string, string | undefined>, config: unknown) {
  const stdin = typeof config === 'string' ? config : JSON.stringify(config);
  return runPlugin(env, stdin, h);
}

function success(out: { stdout: string; exitCode: number }) {
  assert.equal(out.exitCode, 0, out.stdout);
  return successSchema.parse(JSON.parse(out.stdout));
}
function failure(out: { stdout: string; exitCode: number }, code: number, names: RegExp) {
  assert.notEqual(out.exitCode, 0);
  const e = errorSchema.parse(JSON.parse(out.stdout));
  assert.equal(e.code, code, e.msg);
  assert.match(e.msg, names);
  return e;
}

describe('the schemas accept the spec’s own examples', () => {
  test('success results of bridge and tuning', () => {
    successSchema.parse({ cniVersion: '1.0.0', ...bridgeResult });
    assert.throws(() =>
      successSchema.parse({ cniVersion: '1.0.0', ips: [{ version: '4', address: '10.1.0.5/16' }] }),
    );
  });
  test('the error example', () => {
    errorSchema.parse({
      cniVersion: '1.0.0',
      code: 7,
      msg: 'Invalid Configuration',
      details: 'Network 192.168.0.0/31 too small to allocate from.',
    });
  });
  test('the version example', () => {
    versionSchema.parse({
      cniVersion: '1.0.0',
      supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'],
    });
  });
});

describe('ADD (SPEC.md appendix "Add example")', () => {
  test('first in the list: the interface in CNI_NETNS, its address, the route and the resolver', async () => {
    const h = host();
    const r = success(await run(h, specEnv('ADD'), ours(bridgeConfig)));
    assert.deepEqual(r.interfaces, [
      { name: 'eth1', mac: '02:00:00:00:00:02', sandbox: '/var/run/netns/blue' },
    ]);
    assert.deepEqual(r.ips, [{ address: 'fdaa:0:1:a7b::2/112', gateway: 'fe80::1', interface: 0 }]);
    assert.deepEqual(r.routes, [{ dst: 'fdaa::/16', gw: 'fe80::1' }]);
    assert.deepEqual(r.dns, { nameservers: ['fdaa::3'] });
    assert.deepEqual(h.calls, ['/run/sixpn/agent.sock attach cni/example/eth1']);
  });

  test('chained after bridge (the tuning step’s input): prevResult passed through with ours appended', async () => {
    const r = success(await run(host(), specEnv('ADD'), ours(tuningConfig)));
    assert.deepEqual(r.interfaces?.slice(0, 3), bridgeResult.interfaces);
    assert.deepEqual(r.ips[0], bridgeResult.ips[0]);
    assert.deepEqual(r.ips[1], { address: 'fdaa:0:1:a7b::2/112', gateway: 'fe80::1', interface: 3 });
    assert.deepEqual(r.routes, [{ dst: '0.0.0.0/0' }, { dst: 'fdaa::/16', gw: 'fe80::1' }]);
    assert.deepEqual(r.dns?.nameservers, ['fdaa::3', '10.1.0.1']);
  });

  test('the example configuration as is (bridge’s, no app) → error 7 naming app', async () => {
    failure(await run(host(), specEnv('ADD'), bridgeConfig), 7, /field app/);
  });

  test('an interface of that name already in the container → error, nothing asked of the agent', async () => {
    const h = host();
    h.links.set('/var/run/netns/blue eth0', { mac: '00:11:22:33:44:66', addresses: [] });
    failure(
      await run(h, specEnv('ADD', { CNI_IFNAME: 'eth0' }), ours(bridgeConfig)),
      101,
      /eth0 already exists/,
    );
    assert.deepEqual(h.calls, []);
  });
});

describe('CHECK (SPEC.md appendix "Check example")', () => {
  test('after our ADD: nothing on stdout, exit 0', async () => {
    const h = host();
    const added = success(await run(h, specEnv('ADD'), ours(tuningConfig)));
    const out = await run(h, specEnv('CHECK'), ours(bridgeConfig, { prevResult: added }));
    assert.deepEqual(out, { stdout: '', stderr: '', exitCode: 0 });
  });
  test('with the spec’s prevResult (not ours) → error', async () => {
    const h = host();
    success(await run(h, specEnv('ADD'), ours(bridgeConfig)));
    failure(
      await run(h, specEnv('CHECK'), ours(bridgeConfig, { prevResult: bridgeResult })),
      102,
      /no interface eth1/,
    );
  });
  test('after DEL → error', async () => {
    const h = host();
    const added = success(await run(h, specEnv('ADD'), ours(bridgeConfig)));
    assert.equal((await run(h, specEnv('DEL'), ours(bridgeConfig))).exitCode, 0);
    failure(await run(h, specEnv('CHECK'), ours(bridgeConfig, { prevResult: added })), 102, /no instance/);
  });
  test('without prevResult → error 7 naming prevResult', async () => {
    failure(await run(host(), specEnv('CHECK'), ours(bridgeConfig)), 7, /prevResult/);
  });
});

describe('DEL (SPEC.md appendix "Delete example")', () => {
  for (const [what, config] of [
    ['portmap step', portmapConfig],
    ['tuning step', tuningConfig],
    ['bridge step', { ...bridgeConfig, prevResult: bridgeResult }],
  ] as const)
    test(`${what}: exit 0, nothing on stdout, idempotent`, async () => {
      const h = host();
      success(await run(h, specEnv('ADD'), ours(bridgeConfig)));
      for (let i = 0; i < 2; i++)
        assert.deepEqual(await run(h, specEnv('DEL'), ours(config)), { stdout: '', stderr: '', exitCode: 0 });
      assert.equal(h.instances.size, 0);
    });
  test('without CNI_NETNS or prevResult, and never added: success', async () =>
    assert.equal((await run(host(), specEnv('DEL', { CNI_NETNS: undefined }), bridgeConfig)).exitCode, 0));
});

describe('VERSION', () => {
  for (const stdin of ['{"cniVersion":"1.0.0"}', '{"cniVersion":"0.4.0"}', ''])
    test(`stdin ${stdin || '(empty)'}`, async () => {
      const out = await runPlugin({ CNI_COMMAND: 'VERSION' }, stdin, host());
      assert.equal(out.exitCode, 0);
      const v = versionSchema.parse(JSON.parse(out.stdout));
      assert.equal(v.cniVersion, stdin === '' ? '1.0.0' : JSON.parse(stdin).cniVersion);
      assert.ok(v.supportedVersions.includes('1.0.0'));
    });
});

describe('errors: the spec’s codes and a message naming the field', () => {
  const add = ours(bridgeConfig);
  const cases: [string, Record<string, string | undefined>, unknown, number, RegExp][] = [
    ['incompatible version', specEnv('ADD'), { ...add, cniVersion: '0.4.0' }, 1, /cniVersion '0\.4\.0'/],
    [
      'container unknown (CNI_NETNS missing on disk)',
      specEnv('ADD', { CNI_NETNS: '/run/netns/gone' }),
      add,
      3,
      /CNI_NETNS/,
    ],
    ['no CNI_COMMAND', specEnv(''), add, 4, /CNI_COMMAND/],
    ...(['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'].map((v) => [
      `ADD without ${v}`,
      specEnv('ADD', { [v]: undefined }),
      add,
      4,
      new RegExp(v),
    ]) as [string, Record<string, string>, unknown, number, RegExp][]),
    ['DEL without CNI_IFNAME', specEnv('DEL', { CNI_IFNAME: undefined }), add, 4, /CNI_IFNAME/],
    [
      'CHECK without CNI_CONTAINERID',
      specEnv('CHECK', { CNI_CONTAINERID: undefined }),
      add,
      4,
      /CNI_CONTAINERID/,
    ],
    ['stdin not JSON', specEnv('ADD'), '{"cniVersion": "1.0.0",', 6, /not JSON/],
    ['invalid network config', specEnv('ADD'), { ...add, name: 'db net' }, 7, /field name/],
  ];
  for (const [what, env, config, code, names] of cases)
    test(what, async () => {
      const e = failure(await run(host(), env, config), code, names);
      assert.equal(
        e.cniVersion,
        typeof config === 'string' ? '1.0.0' : (config as { cniVersion: string }).cniVersion,
      );
    });
});
