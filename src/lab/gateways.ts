// Gateways of the lab: one per `--gateways` region, in its own namespace on the underlay; it joins
// (`sixpn gateway join`) and is started like an agent and awaited the same way (DIR/status.json with the revision it reconciled);
// and the WireGuard walkthrough `lab up` suggests when there is one.

import { DAEMON_NODE_FLAGS } from '../core/node-flags.ts';
import { SIXPN_BIN } from './control.ts';
import type { LabNode, LabPlan } from './plan.ts';
import { childEnv, type ProcessRecord, startDetached } from './processes.ts';

/** `sixpn gateway join` for a lab gateway (after the `sixpn` executable), like agentJoinArgs. */
export function gatewayJoinArgs(p: LabPlan, g: LabNode, tokenFile: string): string[] {
  return [
    'gateway',
    'join',
    p.underlay.apiUrl,
    '--token-file',
    tokenFile,
    '--name',
    g.name,
    '--config-dir',
    g.configDir,
    '--state-dir',
    g.stateDir,
    '--mesh-interface',
    g.meshInterface,
    '--peer-interface',
    g.peerInterface ?? '',
    '--wireguard',
    'userspace',
    '--upstream',
    p.upstream.listen,
  ];
}

/** Starts the gateway `g` in its namespace (joined already), from its config alone. */
export function startGateway(_p: LabPlan, g: LabNode): ProcessRecord {
  return startDetached(
    g.ns,
    process.execPath,
    [...DAEMON_NODE_FLAGS, SIXPN_BIN, 'gateway', '--config-dir', g.configDir],
    { log: g.log, env: childEnv({ WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' }) },
  );
}

/** The laptop's peer file (and interface) name: `sx…`, unique to this lab, at most 15 characters. */
export const laptopPeerFile = (p: LabPlan) => `sx${p.name}laptop.conf`;

/** `Try` lines for a lab with a gateway: a peer for acme, wg-quick up in the laptop, then 6PN and DNS from it. */
export function wireguardTry(p: LabPlan, bin: string, lab: string): string[] {
  const gw = p.gateways[0];
  if (!gw) return [];
  const file = laptopPeerFile(p);
  return [
    `eval "$(${lab} env)" && ${bin} wireguard create acme ${gw.region} laptop ${file}    # a peer of acme`,
    `${lab} exec laptop -- wg-quick up ./${file}    # the laptop joins acme's 6PN through ${gw.name}`,
    `${lab} exec laptop -- ping -6 -c 2 web.internal    # instances by name, through the tunnel`,
    `${lab} exec laptop -- dig +short txt _peer.internal`,
    `${bin} wireguard status acme laptop    ${bin} wireguard remove acme laptop`,
  ];
}
