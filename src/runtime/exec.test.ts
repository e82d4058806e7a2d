// Unit tests for the subprocess helper, run against node itself (always installed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SixpnError } from '../core/errors.ts';
import { inNetns, outputOf, run, stderrOf } from './exec.ts';

const node = process.execPath;

test('stdout, stdin and env', async () => {
  const r = await run(
    node,
    ['-e', 'process.stdin.pipe(process.stdout); process.stderr.write(process.env.X)'],
    {
      input: 'hello',
      env: { X: 'there' },
    },
  );
  assert.equal(r.stdout, 'hello');
  assert.equal(r.stderr, 'there');
});

test('a non-zero exit carries stderr and stdout', async () => {
  const e = await run(node, ['-e', 'console.log("out"); console.error("bad thing"); process.exit(3)']).catch(
    (x) => x,
  );
  assert.ok(e instanceof SixpnError);
  assert.equal(e.code, 'internal');
  assert.match(e.message, /exited with 3: bad thing/);
  assert.equal(stderrOf(e), 'bad thing\n');
  assert.equal(outputOf(e), 'out\nbad thing\n');
  assert.equal(e.details?.exitCode, 3);
});

test('a missing program is failed_precondition', async () => {
  const e = await run('sixpn-no-such-program', []).catch((x) => x);
  assert.ok(e instanceof SixpnError);
  assert.equal(e.code, 'failed_precondition');
  assert.match(e.message, /not installed/);
});

test('timeout and abort kill the program', async () => {
  const t0 = Date.now();
  const e = await run(node, ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 }).catch((x) => x);
  assert.ok(e instanceof SixpnError);
  assert.equal(e.code, 'unavailable');
  assert.match(e.message, /no answer within 200 ms/);
  assert.ok(Date.now() - t0 < 5000);
  const ac = new AbortController();
  const p = run(node, ['-e', 'setTimeout(() => {}, 10000)'], { signal: ac.signal });
  ac.abort();
  const e2 = await p.catch((x) => x);
  assert.ok(e2 instanceof SixpnError);
  assert.match(e2.message, /aborted/);
});

test('inNetns wraps with ip netns exec', () => {
  assert.deepEqual(inNetns('sixpn-a', 'nft', ['-j']), ['ip', ['netns', 'exec', 'sixpn-a', 'nft', '-j']]);
  assert.deepEqual(inNetns(undefined, 'nft', ['-j']), ['nft', ['-j']]);
});
