// What a host needs before it joins: `ip`, `nft`, `wg`, and WireGuard in the kernel or `wireguard-go`, each named
// with the Debian package that has it. The check is pure over what was found; `probePrerequisites` looks.

import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Program → Debian package. */
export const JOIN_PROGRAMS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  nft: 'nftables',
  wg: 'wireguard-tools',
};

export interface Found {
  /** Programs found on PATH (or in the sbin directories). */
  programs: ReadonlySet<string>;
  /** The kernel's WireGuard module is loaded or built in. */
  kernelWireguard: boolean;
}

/** One message naming what is missing and the `apt-get install` line for it; undefined when nothing is. */
export function missingPrerequisites(found: Found): string | undefined {
  const missing = Object.keys(JOIN_PROGRAMS).filter((p) => !found.programs.has(p));
  const pkgs = missing.map((p) => JOIN_PROGRAMS[p] as string);
  if (!found.kernelWireguard && !found.programs.has('wireguard-go')) {
    missing.push('WireGuard (the kernel module, or wireguard-go)');
    pkgs.push('wireguard-go');
  }
  if (missing.length === 0) return undefined;
  return `this machine lacks ${missing.join(', ')}: install with \`apt-get install ${[...new Set(pkgs)].join(' ')}\` and join again`;
}

/** What this machine has. */
export function probePrerequisites(): Found {
  const programs = new Set([...Object.keys(JOIN_PROGRAMS), 'wireguard-go'].filter((p) => onPath(p)));
  return { programs, kernelWireguard: existsSync('/sys/module/wireguard') };
}

/** True when `program` is an executable on PATH or in the sbin directories root uses. */
export function onPath(program: string, path = process.env.PATH ?? ''): boolean {
  const dirs = [...path.split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);
  return dirs.some((d) => {
    try {
      accessSync(join(d, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
