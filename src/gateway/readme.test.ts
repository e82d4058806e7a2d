// Runs the example of README.md as written and checks it prints what its `// =>` comments say.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

test('the README example runs and prints what it promises', async () => {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code, 'README.md has a ts example');
  const promised = [...code.matchAll(/^\/\/ => (.*)$/gm)].map((m) => m[1]);
  assert.ok(promised.length > 0);
  const here = new URL('./', import.meta.url).href;
  const up = new URL('../', import.meta.url).href;
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-readme-'));
  try {
    const file = join(dir, 'example.mts');
    writeFileSync(file, code.replaceAll("from './", `from '${here}`).replaceAll("from '../", `from '${up}`));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    assert.deepEqual(stdout.trim().split('\n'), promised);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
