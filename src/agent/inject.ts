// `sixpn agent env ID` and `sixpn agent inject --rootfs DIR --instance ID`: an instance's env and files from the
// agent's saved state, for VM and container runtimes that boot from a root filesystem.

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressPlan } from '../core/address.ts';
import { SixpnError } from '../core/errors.ts';
import { LocalState } from '../core/state.ts';
import { silentLogger } from '../lib/log.ts';
import { writeAtomic } from '../runtime/file-store.ts';
import { loadSavedState } from '../runtime/state-file.ts';
import { appNameOf } from './desired.ts';
import { etcFiles, instanceEnv, renderEnv } from './instance-files.ts';

async function instanceOf(stateDir: string, id: string) {
  const state = new LocalState((await loadSavedState(stateDir, silentLogger))?.snapshot);
  const i = state.get('instance', id);
  if (!i) {
    throw new SixpnError(
      'not_found',
      `instance '${id}' is not in the agent state in ${stateDir}; check the id and the --state-dir of the agent of its host`,
    );
  }
  return { state, i };
}

/** The env text of an instance (`KEY=value` lines). */
export async function instanceEnvText(stateDir: string, id: string): Promise<string> {
  const { state, i } = await instanceOf(stateDir, id);
  return renderEnv(instanceEnv(i, appNameOf(state, i)));
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/**
 * Writes /etc/hosts, /etc/resolv.conf, /etc/nsswitch.conf (only when the image has none) and /etc/sixpn/env into
 * the root filesystem `rootfs`. Returns the paths written.
 */
export async function injectFiles(
  stateDir: string,
  id: string,
  rootfs: string,
  plan: AddressPlan,
): Promise<string[]> {
  const { state, i } = await instanceOf(stateDir, id);
  const written: string[] = [];
  for (const f of etcFiles(i, plan)) {
    const path = join(rootfs, 'etc', f.name);
    if (f.name === 'nsswitch.conf' && (await exists(path))) continue;
    await writeAtomic(path, f.content, 0o644);
    written.push(path);
  }
  const env = join(rootfs, 'etc', 'sixpn', 'env');
  await writeAtomic(env, renderEnv(instanceEnv(i, appNameOf(state, i))), 0o644);
  written.push(env);
  return written;
}
