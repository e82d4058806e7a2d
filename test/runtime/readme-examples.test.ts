// Runs the ```ts examples of the READMEs of src/core/wg, src/core/nft and src/runtime, so they stay true.
// Relative imports are resolved against the README's folder; blocks tagged ```ts root need root.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/runtime/exec.ts';
import { cannotRun } from './support.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readmes = ['src/core/wg/README.md', 'src/core/nft/README.md', 'src/runtime/README.md'];
const rootSkip = cannotRun(['ip', 'wireguard-go']);

/** The ```ts blocks of a markdown file, with whether they are tagged `root`. */
export function examples(markdown: string): { code: string; root: boolean }[] {
  const out: { code: string; root: boolean }[] = [];
  const re = /^```ts( root)?\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(re)) out.push({ code: m[2] ?? '', root: m[1] !== undefined });
  return out;
}

for (const readme of readmes) {
  const dir = dirname(join(root, readme));
  const blocks = examples(readFileSync(join(root, readme), 'utf8'));
  test(`${readme} has an example`, () => assert.ok(blocks.length > 0));
  blocks.forEach((b, i) => {
    test(`${readme} example ${i + 1} runs`, {
      skip: b.root ? rootSkip : undefined,
      timeout: 60_000,
    }, async () => {
      const code = b.code.replace(/from '(\.{1,2}\/[^']+)'/g, (_, rel: string) => `from '${join(dir, rel)}'`);
      const tmp = mkdtempSync(join(tmpdir(), 'sixpn-readme-'));
      try {
        const file = join(tmp, 'example.mts');
        writeFileSync(file, code);
        await run(process.execPath, ['--import', 'tsx', file], {
          timeoutMs: 50_000,
          env: { NODE_NO_WARNINGS: '1' },
        });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
}
