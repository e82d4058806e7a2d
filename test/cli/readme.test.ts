// Runs the examples of src/cli/README.md: its sixpn.toml and every `sixpn` line of the marked block, in order,
// against a real `sixpn server`, so the README cannot drift from the CLI.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanEnv } from '../support/child-process.ts';
import { runSixpn, type ServerProcess, startServer } from './helpers.ts';

const README = new URL('../../src/cli/README.md', import.meta.url);

/** The body of the first fenced block with `lang` after `from` in `text`. */
function block(text: string, lang: string, from = 0): string {
  const start = text.indexOf(`\`\`\`${lang}\n`, from);
  assert.ok(start >= 0, `no ${lang} block in the README`);
  const body = start + lang.length + 4;
  return text.slice(body, text.indexOf('```', body));
}

describe('src/cli/README.md examples', { timeout: 120_000 }, () => {
  let dir: string;
  let server: ServerProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sixpn-readme-'));
    server = await startServer(dir);
  });
  after(async () => {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  });

  test('every command of the example block succeeds', async () => {
    const text = await readFile(README, 'utf8');
    const marker = text.indexOf('<!-- readme-example -->');
    assert.ok(marker > 0, 'the README marks its example block');
    const appDir = join(dir, 'app');
    await mkdir(appDir);
    await writeFile(join(appDir, 'sixpn.toml'), block(text, 'toml'));
    const lines = block(text, 'sh', marker)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('sixpn '));
    assert.ok(lines.length >= 10, `the example block has ${lines.length} commands`);
    const env = cleanEnv({ HOME: dir, SIXPN_API_URL: server.url, SIXPN_TOKEN: server.admin });
    const out: Record<string, string> = {};
    for (const line of lines) {
      const r = await runSixpn(line.split(/\s+/).slice(1), { cwd: appDir, env });
      assert.equal(r.code, 0, `${line}: ${r.stderr}`);
      assert.equal(r.stderr, '', line);
      out[line] = r.stdout;
    }
    const rows = JSON.parse(out['sixpn instances list --json'] ?? '[]') as { address: string; app: string }[];
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal(row.app, 'web');
      assert.match(row.address, /^fdaa:0:1:0:1:[0-9a-f]{1,4}:[0-9a-f]{1,4}:2$/);
    }
    // the sample output's header is what the CLI prints: the same columns in the same order (their widths follow
    // the rows: an address whose groups have leading zeros is shorter)
    const sample = block(text, '', text.indexOf('`sixpn instances list` prints:'));
    const columns = (table: string | undefined) => table?.split('\n')[0]?.trim().split(/\s+/);
    assert.deepEqual(columns(out['sixpn instances list']), columns(sample));
  });
});
