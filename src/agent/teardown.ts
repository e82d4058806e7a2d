// `sixpn agent --teardown`: removes what the agent made on this host (instance namespaces and links, their
// files, the mesh device, the nft table, the resolver address). Keeps mesh.key and state.json. Idempotent.

import { join } from 'node:path';
import { formatIPv6, hostResolverAddress, parsePlanPrefix } from '../core/address.ts';
import { USAGE_TABLE } from '../core/nft/usage.ts';
import type { Logger } from '../lib/log.ts';
import { envFileOf, NFT_TABLE, netnsName } from './desired.ts';
import type { AgentSeams } from './observe.ts';

export interface TeardownOptions {
  stateDir: string;
  lab: boolean;
  netnsTemplate?: string;
  etcNetnsDir?: string;
  prefix?: string;
  logger: Logger;
}

/** Removes everything; returns how many instances it took down. Throws the first failure after trying all. */
export async function teardown(s: AgentSeams, o: TeardownOptions): Promise<number> {
  const envDir = join(o.stateDir, 'instances');
  const template = o.netnsTemplate ?? 'sixpn-i-{id}';
  const errors: unknown[] = [];
  const attempt = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      o.logger.warn({ what, err: String(e) }, 'teardown step failed');
      errors.push(e);
    }
  };
  const ids = (await s.files.list(envDir)).flatMap((n) => /^([0-9a-f]{8})\.env$/.exec(n)?.[1] ?? []);
  for (const id of ids) {
    const ns = netnsName(template, id);
    if (o.lab) {
      await attempt(`netns ${ns}`, () => s.net.delNetns(ns));
      await attempt(`files of ${ns}`, () => s.files.removeDir(`${o.etcNetnsDir ?? '/etc/netns'}/${ns}`));
    }
    await attempt(`env of ${id}`, () => s.files.remove(envFileOf(envDir, id)));
  }
  const host = await s.net.readNs();
  for (const name of host.links.keys()) {
    if (name.startsWith('sxi')) {
      await attempt(`link ${name}`, () =>
        s.net.batch(undefined, [{ do: 'link-del', iface: name }]).catch(async (e: unknown) => {
          // The host end of a veth whose namespace was just deleted goes away on its own, a moment later.
          if ((await s.net.readNs()).links.has(name)) throw e;
        }),
      );
    }
  }
  await attempt('mesh', () => s.mesh.destroy());
  await attempt('nft', async () => {
    await s.nft.deleteTable(NFT_TABLE);
    await s.nft.deleteTable(USAGE_TABLE);
    await s.files.remove(join(o.stateDir, 'nft.hash'));
  });
  const resolver = `${formatIPv6(hostResolverAddress(parsePlanPrefix(o.prefix ?? 'fdaa::/16')))}/128`;
  if (host.links.get('lo')?.addrs.includes(resolver)) {
    await attempt('resolver address', () =>
      s.net.batch(undefined, [{ do: 'addr-del', iface: 'lo', addr: resolver }]),
    );
  }
  await attempt('status', () => s.files.remove(join(o.stateDir, 'status.json')));
  if (errors.length > 0) throw errors[0];
  return ids.length;
}
