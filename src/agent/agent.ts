// `sixpn agent`: the host agent process, the hooks of the reconciler harness (runtime/reconciler.ts) for a host:
// DNS on fdaa::3 at once from the saved state, passes that make the host match the state (instances, mesh, nft),
// and the health checks of the instances it set up (checker.ts, a task beside the watch stream).
// On abort (SIGTERM) it stops and leaves instances, wireguard-go and nft in place: they are state, not process.

import { join } from 'node:path';
import type { ApiClient } from '../client/api-client.ts';
import type { FetchLike, TokenSource } from '../client/http.ts';
import { parsePlanPrefix } from '../core/address.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { invalid } from '../core/errors.ts';
import { checkIfaceName } from '../core/names.ts';
import type { LocalState } from '../core/state.ts';
import { parseEndpoint } from '../core/wg/endpoint.ts';
import { monotonicMs } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { coalesced, serialQueue } from '../lib/serial.ts';
import { loadOrCreateKey } from '../runtime/key-file.ts';
import { currentNetnsName } from '../runtime/netns.ts';
import { Reconciler } from '../runtime/reconciler.ts';
import { runUsageTask } from '../runtime/usage-task.ts';
import type { WireguardMode } from '../runtime/wg-interface.ts';
import type { Probe } from './check-probe.ts';
import { Checker } from './checker.ts';
import { type AgentIdentity, desiredState } from './desired.ts';
import { startAgentDns } from './dns.ts';
import { countUsage, createAgentMetrics, parseMetricsListen, serveMetrics } from './metrics.ts';
import type { AgentSeams, ReconcileContext } from './observe.ts';
import { checkLabPlacement } from './preflight.ts';
import { agentFingerprint, applyNftNow, reconcileOnce, registrationOf } from './reconcile.ts';
import { realSeams } from './seams.ts';
import { agentUsageTable } from './usage-task.ts';
import { startWorkloads } from './workload-service.ts';

export interface AgentOptions {
  host: string;
  region: string;
  /** Control plane base URL (`http://…` or `unix:/path.sock`), or several replicas' URLs joined by commas. */
  api: string;
  token: TokenSource;
  /** This host's underlay endpoint `IP:PORT`; the port is the mesh listen port. */
  endpoint: string;
  stateDir: string;
  meshIface: string;
  wireguard: WireguardMode;
  lab: boolean;
  /** Default `sixpn-i-{id}`. */
  netnsTemplate?: string;
  /** Default `/etc/netns`. */
  etcNetnsDir?: string;
  /** DNS upstreams `IP[:PORT]`; default: the nameservers of /etc/resolv.conf. */
  upstreams?: string[];
  /** Default `fdaa::/16`. */
  prefix?: string;
  /** Default 30 s. */
  resyncMs?: number;
  /** The local socket for runtimes (`sixpn run`, the CNI plugin); absent: none. */
  socket?: string;
  /** How often usage counters are read and reported (default 60 s). */
  usageIntervalMs?: number;
  /** `ADDR:PORT` on loopback where `GET /metrics` is served (Prometheus); absent: no listener. */
  metricsListen?: string;
  logger: Logger;
  signal: AbortSignal;
  /** Test seams (default: the real drivers). */
  seams?: AgentSeams;
  /** Health-check probe (default: real TCP/HTTP from the host side). */
  probe?: Probe;
  fetch?: FetchLike;
}

export interface RunningAgent {
  state: LocalState;
  zone: ZoneIndex;
  /** Resolves when the agent has stopped after the signal aborted. */
  done: Promise<void>;
}

/** The agent's fixed facts from its options (all but its key); throws `invalid_argument` for a bad one. */
function identityOf(o: AgentOptions): Omit<AgentIdentity, 'meshKey'> {
  checkIfaceName('mesh interface', o.meshIface);
  if (!o.meshIface.startsWith('sx')) throw invalid(`--mesh-interface '${o.meshIface}' must be named sx…`);
  const netnsTemplate = o.netnsTemplate ?? 'sixpn-i-{id}';
  if (!netnsTemplate.includes('{id}')) throw invalid(`--netns-template '${netnsTemplate}' must contain {id}`);
  return {
    host: o.host,
    region: o.region,
    plan: parsePlanPrefix(o.prefix ?? 'fdaa::/16'),
    meshIface: o.meshIface,
    endpoint: parseEndpoint(o.endpoint),
    lab: o.lab,
    netnsTemplate,
    envDir: join(o.stateDir, 'instances'),
    etcNetnsDir: o.etcNetnsDir ?? '/etc/netns',
  };
}

/** Health checks leave from fdaa::3, which every instance routes back over its own 6PN link. */
function healthChecker(
  o: AgentOptions,
  r: { state: LocalState; client: ApiClient },
  dnsAddress: string,
  log: Logger,
): Checker {
  return new Checker({
    state: r.state,
    host: o.host,
    localAddress: o.seams ? undefined : dnsAddress.slice(0, dnsAddress.indexOf('/')),
    report: (items, signal) => r.client.reportChecks(o.host, items, signal),
    ...(o.probe ? { probe: o.probe } : {}),
    log,
    signal: o.signal,
  });
}

function reconcileContext(
  o: AgentOptions,
  identity: AgentIdentity,
  ownNs: string | undefined,
): ReconcileContext {
  return {
    lab: o.lab,
    meshIface: o.meshIface,
    netnsTemplate: identity.netnsTemplate,
    envDir: identity.envDir,
    etcNetnsDir: identity.etcNetnsDir,
    // Forwarding is switched on only inside a namespace of our own, never in the machine's.
    manageForwarding: ownNs !== undefined,
    nftHashFile: join(o.stateDir, 'nft.hash'),
  };
}

/**
 * The table-only apply of a health or placement change (service members move at once, not at the next pass),
 * coalesced, and the queue that keeps it and the passes from overlapping.
 */
function tableAtOnce(apply: () => Promise<boolean>, log: Logger) {
  const serial = serialQueue();
  const nftNow = coalesced(
    async () => {
      const t0 = monotonicMs();
      if (await serial(apply))
        log.info({ ms: Math.round(monotonicMs() - t0) }, 'isolation table applied at once');
    },
    (e) => log.warn({ err: String(e) }, 'cannot apply the isolation table at once; the next pass does'),
  );
  return { serial, nftNow };
}

export async function runAgent(o: AgentOptions): Promise<RunningAgent> {
  const log = o.logger.child({ component: 'agent', host: o.host });
  const base = identityOf(o);
  const metricsAt = o.metricsListen !== undefined ? parseMetricsListen(o.metricsListen) : undefined;
  // Lab mode changes namespaces and the network of the namespace it runs in: make sure that is a lab one.
  const ownNs = o.seams ? 'test' : o.lab ? await checkLabPlacement() : await currentNetnsName();
  const plan = base.plan;
  const r = await Reconciler.open({ ...o, plan, log });
  const identity: AgentIdentity = { ...base, meshKey: await loadOrCreateKey(join(o.stateDir, 'mesh.key')) };
  const ctx = reconcileContext(o, identity, ownNs);
  const register: AgentSeams['register'] = async (body, signal) => {
    await r.client.registerHost(o.host, body, signal);
  };
  const seams = o.seams ?? realSeams({ ...o, logger: log, register });
  const { state } = r;
  log.info({ revision: state.revision, ns: ownNs, wireguard: o.wireguard, lab: o.lab }, 'agent starting');
  const dnsAddress = desiredState(state, identity).dnsAddress;
  const local = await startWorkloads(o, r, log);
  const attached = () => local.workloads.attached();
  const checker = healthChecker(o, r, dnsAddress, log);
  const metrics = metricsAt ? createAgentMetrics() : undefined;
  if (metrics && metricsAt) await serveMetrics(metricsAt, metrics.registry, log, o.signal);
  const usage = () =>
    runUsageTask({
      table: agentUsageTable(state, o.host, o.region, plan),
      region: o.region,
      nft: seams.nft,
      send: (report, signal) => r.client.reportUsage(o.host, report, signal),
      spoolDir: join(o.stateDir, 'usage'),
      ...(o.usageIntervalMs !== undefined ? { intervalMs: o.usageIntervalMs } : {}),
      ...(metrics ? { onReports: (reports) => countUsage(metrics, state, reports) } : {}),
      log,
      signal: o.signal,
    });
  const { serial, nftNow } = tableAtOnce(
    () => applyNftNow(state, identity, seams, ctx, attached(), o.signal),
    log,
  );
  return r.run({
    tasks: [...local.tasks, () => checker.run(), usage],
    onSnapshot: () => checker.changed(),
    onChange: async (c) => {
      if (c.kind !== 'app' && c.kind !== 'instance') return;
      checker.changed();
      nftNow();
    },
    dnsFirst: true,
    startDns: () =>
      startAgentDns({
        seams,
        zone: r.zone,
        dnsAddress,
        region: o.region,
        plan,
        upstreams: o.upstreams,
        logger: log,
        signal: o.signal,
      }),
    passes: {
      ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
      // A change that leaves the desired host as it was needs no look at the devices (periodic passes always look).
      fingerprint: () =>
        agentFingerprint(desiredState(state, identity, attached()), registrationOf(state, identity.host)),
      reconcile: () => serial(() => reconcileOnce(state, identity, seams, ctx, log, o.signal, attached())),
      afterPass: async (last) => {
        await local.workloads.passed(last);
        checker.setReady(
          last.desired.instances.map((i) => i.id),
          last.failed.length === 0,
        );
      },
      status: (last) => ({
        instances: last?.desired.instances.map((i) => i.id) ?? [],
        peers: last?.desired.mesh.peers.length ?? 0,
      }),
    },
    stopMessage: 'agent stopped; instances, mesh and nft stay in place',
  });
}
