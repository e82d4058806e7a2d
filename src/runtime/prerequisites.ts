// What a host needs before `sixpn agent join` / `sixpn gateway join` sets it up: ip, nft, wg, and kernel
// WireGuard or wireguard-go; missing ones are named with the Debian packages that provide them. The check is
// pure (given what was found); probePrerequisites is the small shell that looks.

import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SixpnError } from '../core/errors.ts';

/** The programs sixpn runs on a host, each with the Debian package it comes in. */
export const PREREQUISITES = [
  { command: 'ip', package: 'iproute2' },
  { command: 'nft', package: 'nftables' },
  { command: 'wg', package: 'wireguard-tools' },
] as const;

const WIREGUARD_GO = { command: 'wireguard-go', package: 'wireguard-go' } as const;

export interface FoundPrerequisites {
  /** Programs found on PATH. */
  commands: ReadonlySet<string>;
  /** The kernel's WireGuard module is loaded (`/sys/module/wireguard`). */
  kernelWireguard: boolean;
}

export interface Missing {
  command: string;
  package: string;
}

/** What is missing: ip, nft and wg always; wireguard-go only without kernel WireGuard. Pure. */
export function missingPrerequisites(found: FoundPrerequisites): Missing[] {
  const need: Missing[] = [...PREREQUISITES, ...(found.kernelWireguard ? [] : [WIREGUARD_GO])];
  return need.filter((p) => !found.commands.has(p.command)).map((p) => ({ ...p }));
}

/** One error naming what is missing and the apt-get line that installs it; undefined when nothing is. Pure. */
export function prerequisitesError(missing: readonly Missing[]): SixpnError | undefined {
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map((m) => m.package))].join(' ');
  const wgGo = missing.some((m) => m.command === WIREGUARD_GO.command)
    ? ' (wireguard-go because the kernel has no WireGuard module loaded)'
    : '';
  return new SixpnError(
    'failed_precondition',
    `this host lacks ${missing.map((m) => m.command).join(', ')}${wgGo}: install them with \`apt-get install ${packages}\` and run again`,
    { details: { missing: missing.map((m) => m.command), packages: packages.split(' ') } },
  );
}

/** Looks on PATH (and the sbin folders a non-login root shell may lack) and in /sys/module. */
export function probePrerequisites(path = process.env.PATH ?? ''): FoundPrerequisites {
  const dirs = [...path.split(delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  const all = [...PREREQUISITES, WIREGUARD_GO].map((p) => p.command);
  return {
    commands: new Set(all.filter((c) => dirs.some((d) => existsSync(join(d, c))))),
    kernelWireguard: existsSync('/sys/module/wireguard'),
  };
}
