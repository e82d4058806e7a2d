// Start-up benchmark (prints figures; not a test): how long a `sixpn` command takes from exec to exit, beside a bare
// `node -e 0`, in one run with the variants interleaved round by round (this machine is shared, so absolute times
// drift; ratios taken within a round do not). Variants:
// - `node -e 0`: the floor;
// - `sixpn --version` and `sixpn wireguard list acme --json` as shipped (compiled dist/, V8 compile cache on);
// - the same with the compile cache off (NODE_DISABLE_COMPILE_CACHE=1), and through tsx from the sources (how
//   bin/sixpn.js ran before the compiled runtime).
// `wireguard list` asks a real control plane (SQLite, its own process, loopback) for org acme's peers.
//
//   npm run build && node --import tsx bench/startup/run.ts [--rounds 20]

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from '../../test/cli/helpers.ts';
import { BIN, cleanEnv } from '../../test/support/child-process.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const ROUNDS = Number(values.rounds);
const SRC_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx'); // absolute: the commands run in a temporary directory

const dir = mkdtempSync(join(tmpdir(), 'sixpn-bench-startup-'));
const server = await startServer(dir);

function runOnce(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile(process.execPath, args, { env, cwd: dir, timeout: 30_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(performance.now() - t0);
    });
  });
}

const env = cleanEnv({ HOME: dir, SIXPN_API_URL: server.url, SIXPN_TOKEN: server.admin });
const noCache = { ...env, NODE_DISABLE_COMPILE_CACHE: '1' };
try {
  await runOnce([BIN, 'orgs', 'create', 'acme'], env);
  const variants: { name: string; args: string[]; env: NodeJS.ProcessEnv }[] = [
    { name: 'node -e 0', args: ['-e', '0'], env },
    { name: 'sixpn --version', args: [BIN, '--version'], env },
    { name: 'sixpn --version (no compile cache)', args: [BIN, '--version'], env: noCache },
    { name: 'sixpn --version (tsx, sources)', args: ['--import', TSX, SRC_MAIN, '--version'], env },
    { name: 'sixpn wireguard list acme --json', args: [BIN, 'wireguard', 'list', 'acme', '--json'], env },
    {
      name: 'sixpn wireguard list acme --json (no compile cache)',
      args: [BIN, 'wireguard', 'list', 'acme', '--json'],
      env: noCache,
    },
    {
      name: 'sixpn wireguard list acme --json (tsx, sources)',
      args: ['--import', TSX, SRC_MAIN, 'wireguard', 'list', 'acme', '--json'],
      env,
    },
  ];
  for (const v of variants) await runOnce(v.args, v.env); // warm the page cache and the compile cache
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) times.get(v.name)?.push(await runOnce(v.args, v.env));
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? Number.NaN;
  const floor = median(times.get('node -e 0') ?? []);
  console.log(`start-up, ${ROUNDS} interleaved rounds, node ${process.version} (goal: sixpn ≤ 3× node -e 0)`);
  for (const [name, xs] of times) {
    const m = median(xs);
    console.log(
      `  ${name.padEnd(52)} median ${m.toFixed(1).padStart(6)} ms  p90 ${p90(xs).toFixed(1).padStart(6)} ms  ${(m / floor).toFixed(2)}× node`,
    );
  }
} finally {
  await server.kill();
  rmSync(dir, { recursive: true, force: true });
}
