// Runs the first ```ts example of a component's README.md as written (its `./` and `../` imports pointed at the
// component folder) and returns what it printed, so README examples cannot rot.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ReadmeExample {
  code: string;
  /** The `// => …` lines of the example: what it promises to print, in order. */
  promised: string[];
  stdout: string;
}

/** `folder` is the component's folder as a URL (`new URL('./', import.meta.url)` from a test beside the README). */
export async function runReadmeExample(folder: URL): Promise<ReadmeExample> {
  const readme = readFileSync(new URL('README.md', folder), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!code) throw new Error(`${fileURLToPath(folder)}README.md has no ts example`);
  const promised = [...code.matchAll(/^\/\/ => (.*)$/gm)].map((m) => m[1] ?? '');
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-readme-'));
  try {
    const file = join(dir, 'example.mts');
    const up = new URL('../', folder).href;
    writeFileSync(
      file,
      code.replaceAll("from './", `from '${folder.href}`).replaceAll("from '../", `from '${up}`),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: ROOT });
    return { code, promised, stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
