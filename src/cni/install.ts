// Puts the `sixpn` CNI plugin where container runtimes look for plugins (e.g. /opt/cni/bin): a small sh wrapper
// that execs this Node with this package's cni/sixpn by absolute paths, so it runs whatever PATH the runtime has.

import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SixpnError } from '../core/errors.ts';

/** The first line after the shebang of every wrapper this writes: how it recognises its own files. */
const MARK = '# sixpn CNI plugin wrapper';

/** The wrapper's text. Paths are single-quoted for sh (a `'` inside is closed, escaped and reopened). */
export function wrapperScript(node: string, plugin: string): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return `#!/bin/sh\n${MARK} (written by \`sixpn cni install\`; run it again after moving sixpn)\nexec ${q(node)} ${q(plugin)} "$@"\n`;
}

/** This package's plugin executable, cni/sixpn (from dist/cni/ or src/cni/, both two levels down). */
export const pluginPath = () => fileURLToPath(new URL('../../cni/sixpn', import.meta.url));

/**
 * Writes `<dir>/sixpn` (0755, atomically). Idempotent: rewrites its own wrapper; refuses another program of that
 * name unless `force`. Returns the path written.
 */
export async function installPlugin(
  dir: string,
  opts: { force?: boolean; node?: string } = {},
): Promise<string> {
  const target = join(dir, 'sixpn');
  const existing = await readFile(target, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.includes(MARK) && !opts.force)
    throw new SixpnError(
      'already_exists',
      `${target} exists and is not sixpn's plugin wrapper: remove it, or pass --force to replace it`,
      { details: { field: 'dir' } },
    );
  await mkdir(dir, { recursive: true });
  const tmp = `${target}.sixpn-tmp`;
  await writeFile(tmp, wrapperScript(opts.node ?? process.execPath, pluginPath()), { mode: 0o755 });
  await chmod(tmp, 0o755);
  await rename(tmp, target);
  return target;
}
