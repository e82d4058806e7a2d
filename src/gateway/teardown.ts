// `sixpn gateway --teardown`: removes what the gateway made in its namespace (both WireGuard interfaces with their
// addresses and routes, the nft tables) and its status. Keeps its keys and saved state. Idempotent.

import { join } from 'node:path';
import { PEER_USAGE_TABLE } from '../core/nft/peer-usage.ts';
import type { Logger } from '../lib/log.ts';
import { NFT_TABLE } from './desired.ts';
import type { GatewaySeams } from './seams.ts';

/** Removes everything it can; throws the first failure after trying every step. */
export async function teardownGateway(
  s: Pick<GatewaySeams, 'mesh' | 'peer' | 'nft' | 'files'>,
  stateDir: string,
  logger: Logger,
): Promise<void> {
  const errors: unknown[] = [];
  const attempt = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      logger.warn({ what, err: String(e) }, 'teardown step failed');
      errors.push(e);
    }
  };
  await attempt('peer interface', () => s.peer.destroy());
  await attempt('mesh interface', () => s.mesh.destroy());
  await attempt('nft', async () => {
    await s.nft.deleteTable(NFT_TABLE);
    await s.nft.deleteTable(PEER_USAGE_TABLE);
    await s.files.remove(join(stateDir, 'nft.hash'));
  });
  await attempt('status', () => s.files.remove(join(stateDir, 'status.json')));
  await attempt('installed', () => s.files.remove(join(stateDir, 'installed.json')));
  if (errors.length > 0) throw errors[0];
}
