// The package as a user gets it: `npm pack` of this checkout, `npm install -g` of the tarball into a temporary
// prefix (from npm's cache; the network only for what it lacks), then the installed `sixpn` run from another
// folder: `--version`, and a lab brought up, checked and taken down by it. Nothing may point into the checkout.
// Needs root (the lab) and a built dist/ (`npm run build`); hold the e2e lock:
//   flock /tmp/sixpn-e2e.lock node --import tsx --test test/package/package.test.ts

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cleanEnv } from '../support/child-process.ts';

const run = promisify(execFile);
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const pkg = JSON.parse(readFileSync(join(CHECKOUT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const isRoot = process.getuid?.() === 0;

/** Every file under `dir` (no symlinks followed), for the checkout-path search. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

test('npm pack → npm install -g into a temporary prefix → the installed sixpn runs from anywhere and brings up a lab', {
  skip: !isRoot && 'needs root (the lab)',
  timeout: 300_000,
}, async (t) => {
  assert.ok(existsSync(join(CHECKOUT, 'dist/cli/main.js')), 'dist/ is built (npm run build)');
  const work = mkdtempSync(join(tmpdir(), 'sixpn-package-'));
  const lab = `k${randomBytes(2).toString('hex').slice(0, 3)}`;
  const env = cleanEnv({ SIXPN_LAB: lab });
  const prefix = join(work, 'prefix');
  const sixpn = join(prefix, 'bin', 'sixpn');
  const cli = (args: string[], timeout = 60_000) =>
    run(sixpn, args, { cwd: work, env, timeout, maxBuffer: 16 << 20 });
  t.after(async () => {
    if (existsSync(sixpn)) await cli(['lab', 'down'], 120_000).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  });

  // --ignore-scripts: dist/ as built, not rebuilt (prepack builds it for a user's `npm pack`)
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], {
    cwd: CHECKOUT,
    env,
    maxBuffer: 16 << 20,
  });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info);
  assert.equal(info.filename, `${pkg.name}-${pkg.version}.tgz`);
  const paths = info.files.map((f) => f.path);
  assert.ok(
    paths.includes('dist/cli/main.js') && paths.includes('bin/sixpn.js') && paths.includes('cni/sixpn'),
  );
  assert.deepEqual(
    paths.filter(
      (p) =>
        !/^(dist\/.*\.js|dist\/native\/udp_batch\.node|dist\/control\/console\/assets\/[a-z0-9.-]+\.(css|js)|bin\/sixpn\.js|cni\/sixpn|package\.json|README\.md|CHANGELOG\.md|SECURITY\.md)$/.test(
          p,
        ),
    ),
    [],
    "only compiled JavaScript, the DNS server's UDP addon, the console assets, the CNI executable and the docs are packed",
  );
  // the DNS server's batched UDP addon, built by `npm run build` (src/dns/udp-batch.ts falls back without it)
  assert.ok(paths.includes('dist/native/udp_batch.node'), 'the built UDP addon is packed');
  assert.deepEqual(
    paths.filter((p) => /\.test\.js$|\/test-[a-z-]+\.js$/.test(p)),
    [],
    'no test code is packed',
  );

  await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, info.filename),
    ],
    { cwd: work, env, timeout: 240_000, maxBuffer: 16 << 20 },
  );
  const installed = join(prefix, 'lib/node_modules', pkg.name);
  assert.ok(!existsSync(join(installed, 'node_modules/tsx')), 'tsx (a dev dependency) is not installed');
  const pointing = filesUnder(join(installed, 'dist')).filter((f) =>
    readFileSync(f, 'utf8').includes(CHECKOUT),
  );
  assert.deepEqual(pointing, [], 'no installed file names the checkout');

  assert.equal((await cli(['--version'])).stdout.trim(), pkg.version);

  const up = await cli(['lab', 'up', '--regions', 'ord:1,nrt:1', '--json'], 180_000);
  const built = JSON.parse(up.stdout) as { demo: { id: string; app: string; org: string }[] };
  const web = built.demo.find((d) => d.org === 'acme' && d.app === 'web');
  assert.ok(web, 'the demo has acme/web');
  const status = JSON.parse((await cli(['lab', 'status', '--json'])).stdout) as {
    services: { name: string; pid?: number; alive?: boolean }[];
  };
  for (const s of status.services.filter((x) => x.pid !== undefined && x.alive)) {
    const argv = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0');
    if (!argv.some((a) => a.endsWith('sixpn.js'))) continue; // unbound and other programs
    assert.ok(
      argv.includes(join(installed, 'bin/sixpn.js')),
      `${s.name} runs the installed sixpn: ${argv.join(' ')}`,
    );
  }
  const txt = await cli(['lab', 'exec', web.id, '--', 'dig', '+short', 'txt', 'regions.web.internal']);
  assert.equal(txt.stdout.trim(), '"nrt,ord"');
  const ping = await cli(['lab', 'exec', web.id, '--', 'ping', '-6', '-c', '1', '-W', '5', 'db.internal']);
  assert.match(ping.stdout, / 0% packet loss/);

  const down = await cli(['lab', 'down'], 120_000);
  assert.match(down.stdout + down.stderr, /lab removed/);
});
