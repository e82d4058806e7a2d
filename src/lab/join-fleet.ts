// How the lab's hosts and gateways come to be: the way a user's do. The lab makes one join token per region and
// role (for exactly its nodes, in a 0600 file), runs `sixpn agent join` / `sixpn gateway join` in every node's
// namespace at once, then removes the token files. Each node's own token stays in its config dir (0600).

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiClient } from '../client/api-client.ts';
import { agentJoinArgs, runOnce } from './agents.ts';
import { gatewayJoinArgs } from './gateways.ts';
import { type LabNode, type LabPlan, labNodes } from './plan.ts';

/** Where node `n`'s own token is once it joined. */
export const tokenFileOf = (n: LabNode) =>
  join(n.configDir, n.role === 'host' ? 'agent.token' : 'gateway.token');

/** Joins every node of the plan; returns each node's own token (for lab.json, the lab's 0600 record). */
export async function joinFleet(client: ApiClient, p: LabPlan): Promise<Record<string, string>> {
  const nodes = labNodes(p);
  const groups = new Map<string, LabNode[]>();
  for (const n of nodes)
    groups.set(`${n.region}-${n.role}`, [...(groups.get(`${n.region}-${n.role}`) ?? []), n]);
  await mkdir(p.files.joinDir, { recursive: true, mode: 0o700 });
  try {
    const fileOf = new Map<LabNode, string>();
    for (const [key, members] of groups) {
      const first = members[0] as LabNode;
      const { token } = await client.createJoinToken({
        region: first.region,
        role: first.role,
        uses: members.length,
        expires_in: '10m',
      });
      const file = join(p.files.joinDir, `${key}.token`);
      await writeFile(file, `${token}\n`, { mode: 0o600 });
      for (const m of members) fileOf.set(m, file);
    }
    await Promise.all(
      nodes.map((n) => {
        const file = fileOf.get(n) as string;
        return runOnce(n, n.role === 'host' ? agentJoinArgs(p, n, file) : gatewayJoinArgs(p, n, file));
      }),
    );
  } finally {
    await rm(p.files.joinDir, { recursive: true, force: true });
  }
  const tokens: Record<string, string> = {};
  for (const n of nodes) tokens[n.name] = (await readFile(tokenFileOf(n), 'utf8')).trim();
  return tokens;
}
