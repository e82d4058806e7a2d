// src/core is pure: no sockets, files, processes or clocks of its own, and no imports from the components
// (STYLE.md "Pure core, thin shell"). This test reads every non-test source file of src/core and checks.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CORE = fileURLToPath(new URL('./', import.meta.url));
/** Node modules that do I/O. node:crypto (keys, hashes) and node:buffer are pure enough. */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|dgram|child_process|http|https|http2|tls|dns|os|worker_threads|cluster|readline|process)$/;
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testdata' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('fixture') ? [p] : [];
  });
}

test('src/core imports no I/O modules and no component', () => {
  const files = sources(CORE);
  assert.ok(files.length > 20, 'found the core sources');
  const bad: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? '';
      const rel = relative(CORE, f);
      if (IO_MODULES.test(spec)) bad.push(`${rel} imports ${spec}`);
      if (spec.startsWith('.')) {
        const target = relative(CORE, join(f, '..', spec));
        if (target.startsWith('..')) bad.push(`${rel} imports ${spec} from outside src/core`);
      }
    }
    if (/\bprocess\.(env|argv|exit|cwd)\b/.test(text)) bad.push(`${relative(CORE, f)} reads the process`);
  }
  assert.deepEqual(bad, []);
});
