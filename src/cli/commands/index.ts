// Every command group of the `sixpn` CLI, in help order. Adding a group (dig, dns, agent, gateway, wireguard,
// lab, …) is one import and one entry here; keep imports light (heavy modules load inside the action).

import type { CommandGroup } from '../run.ts';
import { registerAgent } from './agent.ts';
import { registerApps } from './apps.ts';
import { registerDns } from './dns.ts';
import { registerGateway } from './gateway.ts';
import { registerGateways } from './gateways.ts';
import { registerHosts } from './hosts.ts';
import { registerInstances } from './instances.ts';
import { registerLab } from './lab.ts';
import { registerLogin } from './login.ts';
import { registerNetworks } from './networks.ts';
import { registerOrgs } from './orgs.ts';
import { registerRegions } from './regions.ts';
import { registerServer } from './server.ts';
import { registerTokens } from './tokens.ts';
import { registerWireguard } from './wireguard.ts';

export const commandGroups: readonly CommandGroup[] = [
  registerServer,
  registerLogin,
  registerOrgs,
  registerNetworks,
  registerRegions,
  registerHosts,
  registerGateways,
  registerApps,
  registerInstances,
  registerTokens,
  registerWireguard,
  registerDns,
  registerAgent,
  registerGateway,
  registerLab,
];
