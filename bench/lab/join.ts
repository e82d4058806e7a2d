// Lab benchmark part: join → the host's first instance reachable from every other host. Each trial adds a new
// namespace on the underlay, runs `sixpn agent join` there (a fresh join token, as a user would), starts
// `sixpn agent` from the config it wrote, places an instance on it, and waits until every other host's probe
// (bench/lab/probe.ts) sees the instance in its DNS and reaches it over TCP. Then the instance is deleted, the agent
// stopped and torn down (`sixpn agent --teardown`, its mesh device too) and the host deleted; `lab down` sweeps
// the rest.

import { join } from 'node:path';
import type { ApiClient } from '../../src/client/api-client.ts';
import { agentJoinArgs, runOnce, startAgent } from '../../src/lab/agents.ts';
import { attachMember } from '../../src/lab/network.ts';
import type { LabNode, LabPlan } from '../../src/lab/plan.ts';
import { stopRecorded } from '../../src/lab/processes.ts';

/** What a probe answers: when its host's DNS, and then TCP, first showed the address. */
type Expect = (seq: number, line: string) => Promise<{ dnsAt: number; connAt?: number }>;

/** A joiner node of the plan's lab, numbered from 200 (198.18.1.200+k), beside the lab's own nodes. */
function joiner(p: LabPlan, k: number, region: string): LabNode {
  const index = 200 + k;
  const address = `198.18.1.${index}`;
  const name = `join${k}`;
  return {
    ns: `${p.nsPrefix}${name}`,
    uplink: `sxuj${k}`,
    address,
    cidr: `${address}/15`,
    name,
    role: 'host',
    region,
    index,
    endpoint: `${address}:51820`,
    meshInterface: `sx${p.name}j${k}`,
    stateDir: join(p.dir, 'agents', name),
    configDir: join(p.dir, 'etc', name),
    log: join(p.dir, 'logs', `${name}.log`),
  };
}

/** Runs `trials` joins; returns the ms from starting `sixpn agent join` to the instance reachable from every probe. */
export async function measureJoins(
  c: ApiClient,
  p: LabPlan,
  probes: Expect[],
  trials: number,
  firstSeq: number,
): Promise<{ total: number[]; join: number[] }> {
  const total: number[] = [];
  const joinMs: number[] = [];
  const region = p.hosts[0]?.region ?? 'ord';
  for (let k = 1; k <= trials; k++) {
    const n = joiner(p, k, region);
    await attachMember(p, n, { forwarding: true });
    const { token } = await c.createJoinToken({ region, expires_in: '10m' });
    const file = join(p.dir, `join${k}.jointoken`);
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(file, token, { mode: 0o600 });
    const t0 = performance.timeOrigin + performance.now();
    await runOnce(n, agentJoinArgs(p, n, file));
    joinMs.push(performance.timeOrigin + performance.now() - t0);
    await rm(file, { force: true });
    const rec = startAgent(p, n);
    const inst = await c.createInstance('bench', 'target', { region, host: n.name });
    const seen = await Promise.all(probes.map((e) => e(firstSeq + k, `present ${inst.address}`)));
    total.push(Math.max(...seen.map((r) => r.connAt ?? Number.NaN)) - t0);
    const each = seen.map((r, i) => `${p.hosts[i]?.name}=${((r.connAt ?? Number.NaN) - t0).toFixed(0)}`);
    process.stderr.write(`join ${k} at ${new Date(t0).toISOString()}: ${each.join(' ')} ms\n`);
    await c.deleteInstance(inst.id);
    await new Promise((r) => setTimeout(r, 500)); // the agent removes the instance's namespace
    await stopRecorded(rec);
    // As a host leaving for good would: its mesh device, left running, kept starting handshakes with every host.
    await runOnce(n, ['agent', '--config-dir', n.configDir, '--teardown']);
    await c.deleteHost(n.name);
  }
  return { total, join: joinMs };
}
