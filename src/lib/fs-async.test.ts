import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as fa from './fs-async.ts';

test('fs-async gives the results and errors of node:fs/promises', async () => {
  const dir = await fa.mkdtemp(join(tmpdir(), 'sixpn-fs-async-'));
  try {
    const sub = join(dir, 'a', 'b');
    assert.equal(await fa.mkdir(sub, { recursive: true, mode: 0o700 }), join(dir, 'a'));
    const f = join(sub, 'f');
    await fa.writeFile(f, 'x', { mode: 0o600 });
    await fa.appendFile(f, 'y');
    assert.equal(await fa.readFile(f, 'utf8'), 'xy');
    assert.deepEqual(await fa.readFile(f), Buffer.from('xy'));
    await fa.chmod(f, 0o640);
    assert.equal((await fa.stat(f)).mode & 0o777, 0o640);
    assert.equal(typeof (await fa.stat(f, { bigint: true })).ino, 'bigint');
    await fa.access(f);
    await fa.rename(f, join(sub, 'g'));
    assert.deepEqual(await fa.readdir(sub), await fsp.readdir(sub));
    assert.deepEqual(await fa.readdir(sub), ['g']);
    for (const call of [() => fa.readFile(f), () => fa.access(f), () => fa.stat(f)])
      await assert.rejects(call, { code: 'ENOENT', syscall: /./ });
    await fa.rm(f, { force: true });
    await fa.rm(join(dir, 'a'), { recursive: true, force: true });
    assert.deepEqual(await fa.readdir(dir), []);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
