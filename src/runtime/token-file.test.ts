// The token file: read at once, read again after it is replaced, a clear error when it is missing or empty.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tokenFromFile, writeTokenFile } from './token-file.ts';

test('a token file is read again after it is replaced; 0600; clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-token-'));
  try {
    const f = join(dir, 'agent.token');
    assert.throws(() => tokenFromFile(f), /token file .*agent\.token cannot be read \(ENOENT\)/);
    writeFileSync(f, '\n');
    assert.throws(() => tokenFromFile(f), /is empty/);
    await writeTokenFile(f, 'sixpn_one');
    assert.equal(statSync(f).mode & 0o777, 0o600);
    const get = tokenFromFile(f);
    assert.equal(get(), 'sixpn_one');
    await writeTokenFile(f, 'sixpn_two');
    assert.equal(get(), 'sixpn_two');
    rmSync(f);
    assert.equal(get(), 'sixpn_two', 'a file gone for a moment keeps the last token');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
