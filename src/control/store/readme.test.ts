// Runs the example of README.md as written and checks what it prints.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('the README example runs and prints what its comments say', async () => {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code, 'README.md has a ts example');
  const here = pathToFileURL(fileURLToPath(new URL('./', import.meta.url))).href;
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-readme-'));
  try {
    const file = join(dir, 'example.mts');
    writeFileSync(file, code.replaceAll("from './", `from '${here}`));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    });
    const [address, log] = stdout.trim().split('\n');
    assert.match(address ?? '', /^fdaa:0:1:0:1:[0-9a-f]{1,4}:[0-9a-f]{1,4}:2$/);
    const promised = /\/\/ (6 1 put org.*)$/m.exec(code)?.[1];
    assert.equal(log, promised);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
