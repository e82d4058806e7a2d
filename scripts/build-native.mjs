// Builds the native addon native/udp-batch (batched UDP I/O for the DNS server) with node-gyp, which ships with
// npm, against the headers of the Node that runs this script, and copies it to dist/native/udp_batch.node.
// Run by `npm run build` after tsc. Incremental: configures once, then `make` rebuilds only what changed.
// When it cannot build (not Linux, no compiler), it says so and exits 0: the DNS server then uses node:dgram.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'native/udp-batch');
const built = join(dir, 'build/Release/udp_batch.node');
const target = join(root, 'dist/native/udp_batch.node');

function fallback(why) {
  console.warn(`native: udp-batch not built (${why}); the DNS server will use node:dgram`);
  process.exit(0);
}

/** The real path of `npm` on PATH (bin/npm-cli.js inside npm), when run without npm. */
function npmOnPath() {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const p = join(d, 'npm');
    if (d && existsSync(p)) return realpathSync(p);
  }
  return undefined;
}

/** node-gyp as npm runs it for install scripts, else the copy inside the npm that runs us, else PATH. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const npmCli = process.env.npm_execpath ?? npmOnPath();
  if (npmCli) candidates.push(join(dirname(npmCli), '../node_modules/node-gyp/bin/node-gyp.js'));
  const js = candidates.find((p) => p && existsSync(p));
  return js ? [process.execPath, js] : ['node-gyp'];
}

if (process.platform !== 'linux') fallback(`recvmmsg is Linux only, this is ${process.platform}`);
const [cmd, ...pre] = nodeGyp();
// the headers beside this Node (an official build ships them); else node-gyp downloads them
const nodeRoot = dirname(dirname(process.execPath));
const nodedir = existsSync(join(nodeRoot, 'include/node/node_api.h')) ? [`--nodedir=${nodeRoot}`] : [];
/** Runs node-gyp quietly; its output is shown only when it fails. */
function gyp(step) {
  const r = spawnSync(cmd, [...pre, step, ...nodedir, '--loglevel=warn'], { cwd: dir, encoding: 'utf8' });
  if (r.status === 0) return;
  process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  fallback(r.error ? String(r.error) : `node-gyp ${step} exited with ${r.status}`);
}
if (!existsSync(join(dir, 'build/Makefile'))) gyp('configure');
gyp('build');
mkdirSync(dirname(target), { recursive: true });
copyFileSync(built, target);
