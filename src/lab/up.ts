// `sixpn lab up`: executes the plan — underlay, upstream resolver, laptop, control plane, hosts and gateways that
// join with join tokens and then run their agents,
// gateways when this checkout has them, then the demo — recording each step in lab.json as it goes, and
// waiting on the agents' own status (never on a sleep) before it says the lab is up.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { SixpnError } from '../core/errors.ts';
import { listNetns } from '../runtime/netns.ts';
import { startAgent, type Waiting, waitAgents } from './agents.ts';
import { labClient, labTls, startControl, waitControl } from './control.ts';
import { createDemo, createRegions } from './demo.ts';
import { startGateway } from './gateways.ts';
import { joinFleet } from './join-fleet.ts';
import { writeLaptopShim } from './laptop.ts';
import { attachMember, buildUnderlay } from './network.ts';
import { type LabOptions, type LabPlan, labNodes, labPlan } from './plan.ts';
import { DEMO_PROGRAMS, preflight, UP_PROGRAMS } from './preflight.ts';
import type { ProcessRecord } from './processes.ts';
import { type LabState, readLabState, writeLabState } from './state.ts';
import { startUpstream, waitUpstream } from './upstream.ts';

export interface UpOptions extends LabOptions {
  /** How long agents may take to reach the control plane's revision; default 90 s (first start) . */
  readyTimeoutMs?: number;
  /** Skip the demo orgs/apps/instances (benchmarks bring their own). */
  noDemo?: boolean;
  /** One line per step, for the CLI to print. */
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface UpResult {
  plan: LabPlan;
  state: LabState;
}

/** Refuses to build over an existing lab, or over leftovers of a crashed one. */
async function checkNoLab(p: LabPlan, signal?: AbortSignal): Promise<void> {
  const existing = readLabState(p.files.state);
  if (existing) {
    throw new SixpnError(
      'failed_precondition',
      `a lab is already ${existing.phase === 'up' ? 'up' : 'half built'} (since ${existing.createdAt}); see \`sixpn lab status\`, or remove it with \`sixpn lab down\``,
    );
  }
  const left = (await listNetns(signal)).filter((n) => n.startsWith(p.nsPrefix));
  if (left.length > 0) {
    throw new SixpnError(
      'failed_precondition',
      `leftovers of an earlier lab are still here (${left.join(', ')}); remove them with \`sixpn lab down\``,
    );
  }
}

export async function labUp(o: UpOptions): Promise<UpResult> {
  preflight(o.noDemo ? UP_PROGRAMS : [...UP_PROGRAMS, ...DEMO_PROGRAMS]);
  const say = o.progress ?? (() => {});
  const p = labPlan(o);
  await checkNoLab(p, o.signal);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  await mkdir(p.files.logs, { recursive: true, mode: 0o700 });
  const state: LabState = {
    version: 1,
    createdAt: new Date().toISOString(),
    options: { regions: o.regions, gateways: o.gateways, dir: p.dir, ...(p.name ? { name: p.name } : {}) },
    phase: 'building',
    adminToken: randomBytes(32).toString('base64url'),
    hostTokens: {},
    processes: {},
    demo: [],
    etcNetnsCreated: !existsSync('/etc/netns'),
  };
  const save = () => writeLabState(p.files.state, state);
  save();
  // The control plane's CA and certificate, made while the underlay is built (the control plane then finds them).
  const tlsReady = import('../control/tls.ts').then((t) =>
    t.loadTls(labTls(p.dir, p.underlay.address), new Date()),
  );
  tlsReady.catch(() => {}); // awaited below; a failure must not go unhandled while the underlay is built

  say(`underlay: namespace ${p.underlay.ns}, bridge ${p.underlay.bridge} ${p.underlay.cidr}`);
  await buildUnderlay(p, o.signal);
  await attachMember(p, p.upstream, { forwarding: false, signal: o.signal });
  await attachMember(p, p.laptop, { forwarding: false, signal: o.signal });
  for (const n of labNodes(p)) await attachMember(p, n, { forwarding: true, signal: o.signal });
  await writeLaptopShim(p);

  say(`upstream resolver: unbound on ${p.upstream.listen} (example.test)`);
  state.processes.unbound = await startUpstream(p);
  save();
  await waitUpstream(state.processes.unbound);

  say(`control plane: ${p.underlay.apiUrl} and ${p.underlay.apiSocketUrl}`);
  await tlsReady;
  await writeFile(p.files.adminToken, `${state.adminToken}\n`, { mode: 0o600 });
  state.processes.control = startControl(p);
  save();
  await waitControl(p, state.processes.control, state.adminToken);
  const client = labClient(p, state.adminToken);
  await createRegions(client, p);
  say(
    `join: ${labNodes(p)
      .map((n) => n.name)
      .join(', ')} (sixpn agent join / sixpn gateway join, one join token per region)`,
  );
  state.hostTokens = await joinFleet(client, p);
  save();

  say(`agents: ${p.hosts.map((h) => `${h.name} (${h.region})`).join(', ')}`);
  const waiting: Waiting[] = [];
  for (const h of p.hosts) {
    const rec = startAgent(p, h);
    state.processes[`agent:${h.name}`] = rec;
    waiting.push({ node: h, rec });
  }
  for (const g of p.gateways) {
    const rec = startGateway(p, g);
    state.processes[`gateway:${g.name}`] = rec;
    waiting.push({ node: g, rec });
  }
  save();
  const timeout = o.readyTimeoutMs ?? 90_000;
  await waitAgents(client, waiting, timeout, o.signal);

  if (!o.noDemo) {
    say(
      'demo: org acme (apps web, db) and org globex (app vault), private networking; ' +
        'each instance an HTTP server on :8080 started by `sixpn run` on its host',
    );
    const record = (key: string, rec: ProcessRecord) => {
      state.processes[key] = rec;
      save();
    };
    state.demo = await createDemo(client, p, { waiting, timeoutMs: timeout, record, signal: o.signal });
    save();
    await waitAgents(client, waiting, timeout, o.signal);
  }
  state.phase = 'up';
  save();
  return { plan: p, state };
}
