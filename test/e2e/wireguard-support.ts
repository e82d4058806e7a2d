// Helpers of the WireGuard end-to-end test: the real `sixpn` CLI pointed at a lab, a second laptop namespace on
// the lab's underlay (with its own resolvconf shim), wg-quick in a namespace, and the gateway's drop counters.

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkId } from '../../src/core/address.ts';
import { dropCounterName } from '../../src/core/nft/counters.ts';
import { SIXPN_BIN } from '../../src/lab/control.ts';
import { renderResolvconfShim } from '../../src/lab/laptop.ts';
import { attachMember } from '../../src/lab/network.ts';
import type { LabPlan, UnderlayMember } from '../../src/lab/plan.ts';
import { run } from '../../src/runtime/exec.ts';
import { inNs } from './support.ts';

export interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/sixpn.js ARGS` in `cwd` against lab `name` with `token` (no SIXPN_* of whoever runs the tests). */
export function labCli(plan: LabPlan, name: string, cwd: string) {
  return (args: string[], token: string, env: Record<string, string> = {}) =>
    new Promise<Cli>((resolve) => {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SIXPN_')));
      execFile(
        process.execPath,
        [SIXPN_BIN, ...args],
        {
          cwd,
          timeout: 60_000,
          env: {
            ...clean,
            SIXPN_LAB: name,
            SIXPN_API_URL: plan.underlay.apiSocketUrl,
            SIXPN_TOKEN: token,
            ...env,
          },
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
}

/**
 * A second laptop `<lab prefix>laptopb` on the underlay (198.18.0.4), swept by `lab down` with the lab, and a
 * resolvconf shim of its own under `dir` (so wg-quick's DNS line lands in its resolver file only). Returns the
 * member and the environment wg-quick needs there.
 */
export async function addLaptop(plan: LabPlan, dir: string, labEnv: Record<string, string>) {
  const member: UnderlayMember = {
    ns: `${plan.nsPrefix}laptopb`,
    uplink: 'sxulaptopb',
    address: '198.18.0.4',
    cidr: '198.18.0.4/15',
  };
  await attachMember(plan, member, { forwarding: false });
  const bin = join(dir, 'laptopb-bin');
  const shimPlan = { ...plan, dir: join(dir, 'b'), laptop: member, files: { ...plan.files, laptopBin: bin } };
  mkdirSync(join(dir, 'b', 'laptop'), { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'resolvconf'), renderResolvconfShim(shimPlan), { mode: 0o755 });
  return { member, env: { ...labEnv, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } };
}

export const wgQuick = (verb: 'up' | 'down', ns: string, file: string, env: Record<string, string>) =>
  run('ip', ['netns', 'exec', ns, 'wg-quick', verb, file], { env, timeoutMs: 30_000 });

/** Packets the gateway's nft table dropped and charged to `network`. */
export async function gatewayDrops(gatewayNs: string, network: number): Promise<number> {
  const counter = dropCounterName(network as NetworkId);
  const out = await inNs(gatewayNs, 'nft', ['-j', 'list', 'counter', 'inet', 'sixpn_gateway', counter]);
  return Number(/"packets": (\d+)/.exec(out)?.[1] ?? -1);
}
