// What the lab needs from the machine before it touches anything: root, and the programs (named with the Debian
// package that has them, so the message says what to install).

import { SixpnError } from '../core/errors.ts';
import { onPath } from '../runtime/prerequisites.ts';

/** Program → Debian package. */
export const PROGRAMS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  sysctl: 'procps',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  nft: 'nftables',
  'wireguard-go': 'wireguard-go',
  wg: 'wireguard-tools',
  'wg-quick': 'wireguard-tools',
  unbound: 'unbound',
  busybox: 'busybox-static',
};

/** What `lab up` runs itself or has its agents run. */
export const UP_PROGRAMS = ['ip', 'nsenter', 'sysctl', 'nft', 'wireguard-go', 'wg', 'unbound'] as const;
/** What the demo's servers run (busybox httpd, through `sixpn run`: unshare). */
export const DEMO_PROGRAMS = ['busybox', 'unshare'] as const;

/** The programs of `needed` that `has` does not find, as one message naming their packages; undefined if none. */
export function missingMessage(needed: readonly string[], has: (p: string) => boolean): string | undefined {
  const missing = needed.filter((p) => !has(p));
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map((p) => PROGRAMS[p] ?? p))];
  return `the lab needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed: apt-get install ${pkgs.join(' ')} (or run bash scripts/setup.sh)`;
}

/** Throws `failed_precondition` unless this process is root and every program of `needed` is installed. */
export function preflight(needed: readonly string[], what = 'the lab'): void {
  if (process.getuid?.() !== 0) {
    throw new SixpnError(
      'failed_precondition',
      `${what} creates network namespaces and must run as root: sudo ./bin/sixpn.js lab …`,
    );
  }
  const msg = missingMessage(needed, (p) => onPath(p));
  if (msg) throw new SixpnError('failed_precondition', msg);
}
