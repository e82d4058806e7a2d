// The real drivers behind the agent's seams: iproute2, files on disk, wireguard-go or kernel WireGuard, nft.

import { join } from 'node:path';
import type { Logger } from '../lib/log.ts';
import { DiskFiles } from '../runtime/file-store.ts';
import { IpNet } from '../runtime/net.ts';
import { NftCli } from '../runtime/nft.ts';
import { KernelWg, UserspaceWg, type WireguardMode } from '../runtime/wg-interface.ts';
import type { AgentSeams } from './observe.ts';

export function realSeams(o: {
  meshIface: string;
  wireguard: WireguardMode;
  stateDir: string;
  logger: Logger;
  register: AgentSeams['register'];
}): AgentSeams {
  return {
    net: new IpNet(),
    files: new DiskFiles(),
    mesh:
      o.wireguard === 'kernel'
        ? new KernelWg(o.meshIface)
        : new UserspaceWg(o.meshIface, { logFile: join(o.stateDir, 'wireguard-go.log'), logger: o.logger }),
    nft: new NftCli(),
    register: o.register,
  };
}
