// `sixpn … | head`: a reader that closes the pipe before sixpn is done writing ends the output quietly, with exit
// code 0, as other Unix tools do, instead of an "Unhandled 'error' event" stack trace on stderr.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { BIN, cleanEnv } from '../support/child-process.ts';

/** Runs `sixpn ARGS` with its stdout a pipe whose read end is closed at once; its exit code and stderr. */
function closedReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

for (const args of [['--help'], ['agent', '--help'], ['gateway', '--help']]) {
  test(`sixpn ${args.join(' ')} into a closed pipe: exit 0, nothing on stderr`, async () => {
    assert.deepEqual(await closedReader(args), { code: 0, stderr: '' });
  });
}
