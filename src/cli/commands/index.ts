// Every command group of the `sixpn` CLI, in help order, loaded lazily: a run imports only the group it names (so
// `sixpn --version` and `sixpn wireguard list` skip the server, agent and lab code). Adding a group is one entry here.

import type { LazyGroup } from '../run.ts';
import { daemonGroups } from './daemons.ts';

export const commandGroups: readonly LazyGroup[] = [
  { names: ['server'], load: async () => (await import('./server.ts')).registerServer },
  { names: ['login'], load: async () => (await import('./login.ts')).registerLogin },
  { names: ['orgs'], load: async () => (await import('./orgs.ts')).registerOrgs },
  { names: ['networks'], load: async () => (await import('./networks.ts')).registerNetworks },
  { names: ['regions'], load: async () => (await import('./regions.ts')).registerRegions },
  { names: ['hosts'], load: async () => (await import('./hosts.ts')).registerHosts },
  { names: ['gateways'], load: async () => (await import('./gateways.ts')).registerGateways },
  { names: ['apps'], load: async () => (await import('./apps.ts')).registerApps },
  { names: ['instances'], load: async () => (await import('./instances.ts')).registerInstances },
  { names: ['checks'], load: async () => (await import('./checks.ts')).registerChecks },
  { names: ['tokens'], load: async () => (await import('./tokens.ts')).registerTokens },
  { names: ['wireguard', 'wg'], load: async () => (await import('./wireguard.ts')).registerWireguard },
  { names: ['usage'], load: async () => (await import('./usage.ts')).registerUsage },
  { names: ['dns', 'dig'], load: async () => (await import('./dns.ts')).registerDns },
  { names: ['run'], load: async () => (await import('./run.ts')).registerRun },
  ...daemonGroups,
  { names: ['install', 'uninstall'], load: async () => (await import('./install.ts')).registerInstall },
  { names: ['cni'], load: async () => (await import('./cni.ts')).registerCni },
  { names: ['lab'], load: async () => (await import('./lab.ts')).registerLab },
];
