// The lab refuses to start without root, with a message that says so, before it touches anything.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { SIXPN_BIN } from '../../src/lab/control.ts';
import { labDirOf } from '../../src/lab/plan.ts';

test('sixpn lab up as an unprivileged user: exit 5, the reason, nothing made', {
  skip: process.getuid?.() !== 0 ? 'needs root to switch to an unprivileged user' : undefined,
}, async () => {
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [SIXPN_BIN, 'lab', '--name', 'pf', 'up'],
      { uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? '', HOME: '/tmp' } },
      (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }),
    );
  });
  assert.equal(code, 5, stderr);
  assert.match(stderr, /^error: the lab creates network namespaces and must run as root/);
  assert.equal(existsSync(labDirOf('pf')), false);
});
