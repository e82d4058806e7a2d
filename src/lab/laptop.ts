// The lab's `laptop`: a namespace on the underlay (198.18.0.3) that plays a user's machine for WireGuard peers.
// `lab exec laptop` puts a resolvconf shim first on PATH so that wg-quick's `DNS =` line rewrites
// only the laptop's own resolver file (/etc/netns/sixpn-lab-laptop/resolv.conf), never the machine's.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabPlan } from './plan.ts';

/** The laptop's resolver file, bind-mounted over /etc/resolv.conf by `ip netns exec`. */
export const laptopResolvConf = (p: LabPlan) => `/etc/netns/${p.laptop.ns}/resolv.conf`;

/**
 * A `resolvconf` that supports what wg-quick calls: `-a IFACE [-m N] [-x]` with the config on stdin, and
 * `-d IFACE [-f]`. It saves the laptop's file on the first -a and puts it back on -d. It writes the file in place
 * (same inode), because `ip netns exec` bind-mounts that file.
 */
export function renderResolvconfShim(p: LabPlan): string {
  const file = laptopResolvConf(p);
  const saved = join(p.dir, 'laptop', 'resolv.conf.orig');
  return `#!/bin/sh
# resolvconf shim of the sixpn lab laptop (written by \`sixpn lab up\`): wg-quick's DNS = line lands in
# ${file} only; the machine's /etc/resolv.conf is never touched.
set -eu
file='${file}'
saved='${saved}'
mode=
while [ $# -gt 0 ]; do
  case "$1" in
    -a) mode=add; shift 2 ;;
    -d) mode=del; shift 2 ;;
    -m) shift 2 ;;
    *) shift ;;
  esac
done
case "$mode" in
  add) [ -f "$saved" ] || cat "$file" > "$saved"; cat > "$file" ;;
  del) if [ -f "$saved" ]; then cat "$saved" > "$file"; rm -f "$saved"; fi ;;
  *) echo 'resolvconf (sixpn lab shim): only -a IFACE and -d IFACE are supported' >&2; exit 1 ;;
esac
`;
}

/** What `lab exec laptop` adds to the environment: the shim first on PATH, wg-quick on wireguard-go. */
export function laptopEnv(p: LabPlan, path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin') {
  return {
    PATH: `${p.files.laptopBin}:${path}`,
    WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go',
    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
  };
}

/** Writes the shim (0755) into the lab dir. */
export async function writeLaptopShim(p: LabPlan): Promise<void> {
  await mkdir(p.files.laptopBin, { recursive: true, mode: 0o755 });
  const path = join(p.files.laptopBin, 'resolvconf');
  await writeFile(path, renderResolvconfShim(p), { mode: 0o755 });
  await chmod(path, 0o755);
}
