// A Linux bridge inside the lab's underlay namespace and its ports, through `ip` (iproute2). Idempotent.

import { run } from '../runtime/exec.ts';
import { checkOwnedLink, getLink } from '../runtime/link.ts';
import { checkNetnsName } from '../runtime/netns.ts';

/** Creates bridge `name` in namespace `ns` unless it exists. */
export async function ensureBridge(ns: string, name: string, signal?: AbortSignal): Promise<void> {
  checkNetnsName(ns);
  checkOwnedLink(ns, name);
  if (await getLink(ns, name, signal)) return;
  await run('ip', ['-n', ns, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0'], { signal });
}

/** Makes `dev` a port of bridge `master` (both in `ns`). */
export async function ensurePort(ns: string, dev: string, master: string, signal?: AbortSignal) {
  checkOwnedLink(ns, dev);
  await run('ip', ['-n', ns, 'link', 'set', 'dev', dev, 'master', master], { signal });
}
