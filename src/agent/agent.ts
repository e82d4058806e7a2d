// `sixpn agent`: the host agent process. Loads its saved state, serves DNS on fdaa::3 at once, follows the watch
// stream (DNS updated straight from each change; reconcile debounced), reconciles the host, and reports status.
// On abort (SIGTERM) it stops and leaves instances, wireguard-go and nft in place: they are state, not process.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient } from '../client/api-client.ts';
import type { FetchLike } from '../client/http.ts';
import { parsePlanPrefix } from '../core/address.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { invalid, isSixpnError } from '../core/errors.ts';
import { checkIfaceName } from '../core/names.ts';
import type { LocalState } from '../core/state.ts';
import { parseEndpoint } from '../core/wg/endpoint.ts';
import type { DnsServer } from '../dns/run-dns.ts';
import type { Logger } from '../lib/log.ts';
import { followControlPlane } from '../runtime/follow.ts';
import { loadOrCreateKey } from '../runtime/key-file.ts';
import { Scheduler } from '../runtime/scheduler.ts';
import { loadLocalState } from '../runtime/state-file.ts';
import type { WireguardMode } from '../runtime/wg-interface.ts';
import { type AgentIdentity, desiredState } from './desired.ts';
import { startAgentDns } from './dns.ts';
import type { AgentSeams, ReconcileContext } from './observe.ts';
import { checkLabPlacement, currentNetnsName } from './preflight.ts';
import { type ReconcileResult, reconcileOnce, registrationOf } from './reconcile.ts';
import { realSeams } from './seams.ts';
import { writeStatus } from './status.ts';

export interface AgentOptions {
  host: string;
  region: string;
  /** Control plane base URL (`http://…` or `unix:/path.sock`), or several replicas' URLs joined by commas. */
  api: string;
  token: string;
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
  logger: Logger;
  signal: AbortSignal;
  /** Test seams (default: the real drivers). */
  seams?: AgentSeams;
  fetch?: FetchLike;
}

export interface RunningAgent {
  state: LocalState;
  zone: ZoneIndex;
  /** Resolves when the agent has stopped after the signal aborted. */
  done: Promise<void>;
}

export async function runAgent(o: AgentOptions): Promise<RunningAgent> {
  const log = o.logger.child({ component: 'agent', host: o.host });
  const plan = parsePlanPrefix(o.prefix ?? 'fdaa::/16');
  checkIfaceName('mesh interface', o.meshIface);
  if (!o.meshIface.startsWith('sx')) throw invalid(`--mesh-interface '${o.meshIface}' must be named sx…`);
  const endpoint = parseEndpoint(o.endpoint);
  const netnsTemplate = o.netnsTemplate ?? 'sixpn-i-{id}';
  if (!netnsTemplate.includes('{id}')) throw invalid(`--netns-template '${netnsTemplate}' must contain {id}`);
  // Lab mode changes namespaces and the network of the namespace it runs in: make sure that is a lab one.
  const ownNs = o.seams ? 'test' : o.lab ? await checkLabPlacement() : await currentNetnsName();
  await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  // A status from an earlier run would tell readers this process is ready before it is.
  await rm(join(o.stateDir, 'status.json'), { force: true });
  const meshKey = await loadOrCreateKey(join(o.stateDir, 'mesh.key'));

  const identity: AgentIdentity = {
    host: o.host,
    region: o.region,
    plan,
    meshIface: o.meshIface,
    endpoint,
    meshKey,
    lab: o.lab,
    netnsTemplate,
    envDir: join(o.stateDir, 'instances'),
    etcNetnsDir: o.etcNetnsDir ?? '/etc/netns',
  };
  const ctx: ReconcileContext = {
    lab: o.lab,
    meshIface: o.meshIface,
    netnsTemplate,
    envDir: identity.envDir,
    etcNetnsDir: identity.etcNetnsDir,
    // Forwarding is switched on only inside a namespace of our own, never in the machine's.
    manageForwarding: ownNs !== undefined,
    nftHashFile: join(o.stateDir, 'nft.hash'),
  };
  // The client picks the fetch of each URL itself (unix: sockets included), also for a list of replicas.
  const fetch = o.fetch;
  const client = new ApiClient({ baseUrl: o.api, token: o.token, ...(fetch ? { fetch } : {}) });
  const seams: AgentSeams =
    o.seams ??
    realSeams({
      meshIface: o.meshIface,
      wireguard: o.wireguard,
      stateDir: o.stateDir,
      logger: log,
      register: async (body, signal) => {
        await client.registerHost(o.host, body, signal);
      },
    });

  // The saved state first: the agent reconciles and answers DNS even when the control plane is down.
  const { state, zone, stateFile } = await loadLocalState(o.stateDir, plan, log);
  log.info({ revision: state.revision, ns: ownNs, wireguard: o.wireguard, lab: o.lab }, 'agent starting');

  let dns: DnsServer | undefined;
  let connected = false;
  let lastDesired = '';
  let last: ReconcileResult | undefined;
  let applied = 0;
  let passes = 0;
  const dnsAddress = desiredState(state, identity).dnsAddress;
  const ensureDns = async () => {
    if (dns || o.signal.aborted) return;
    dns = await startAgentDns({
      seams,
      zone,
      dnsAddress,
      region: o.region,
      plan,
      upstreams: o.upstreams,
      logger: log,
      signal: o.signal,
    });
  };

  const status = async (revision: number) => {
    const d = last?.desired;
    await writeStatus(join(o.stateDir, 'status.json'), {
      pid: process.pid,
      revision,
      reconciledAt: new Date().toISOString(),
      instances: d?.instances.map((i) => i.id) ?? [],
      peers: d?.mesh.peers.length ?? 0,
      dns: dns ? 'listening' : 'down',
      connected,
      failed: last?.failed.length ?? 0,
      reconcileMs: Math.round(last?.ms ?? 0),
      applied,
    }).catch((e: unknown) => log.warn({ err: String(e) }, 'cannot write status.json'));
  };

  const pass = async (reason: 'change' | 'periodic' | 'retry'): Promise<boolean> => {
    const revision = state.revision;
    // A change that leaves the desired host as it was needs no look at the devices (periodic passes always look).
    // The control plane's record of this host counts too: a snapshot that shows it unregistered must register it.
    const fingerprint = JSON.stringify(
      [desiredState(state, identity), registrationOf(state, identity.host)],
      (_k, v) => (typeof v === 'bigint' ? String(v) : v),
    );
    if (reason === 'change' && fingerprint === lastDesired && dns) {
      await status(revision);
      return true;
    }
    try {
      last = await reconcileOnce(state, identity, seams, ctx, log, o.signal);
    } catch (e) {
      log.warn({ err: isSixpnError(e) ? e.message : String(e) }, 'cannot read the host; retrying');
      return false;
    }
    applied += last.applied;
    if (last.actions.length > 0 || reason !== 'periodic' || passes++ === 0) {
      log.info(
        {
          reason,
          revision,
          actions: last.actions.length,
          failed: last.failed.length,
          ms: Math.round(last.ms),
        },
        'reconciled',
      );
    }
    await ensureDns().catch((e: unknown) => log.warn({ err: String(e) }, 'dns server not started; retrying'));
    lastDesired = last.failed.length === 0 ? fingerprint : '';
    await status(revision);
    return last.failed.length === 0 && dns !== undefined;
  };
  const scheduler = new Scheduler(pass, { periodMs: o.resyncMs ?? 30_000, signal: o.signal });

  await ensureDns().catch((e: unknown) => log.warn({ err: String(e) }, 'dns server not started yet'));
  scheduler.request('periodic', 0);

  const watch = () =>
    followControlPlane({
      client,
      state,
      zone,
      persist: () => stateFile.schedule(),
      log,
      signal: o.signal,
      connected: (up) => {
        connected = up;
      },
      onSnapshot: () => scheduler.request(),
      onChange: () => scheduler.request(),
      onAdvance: () => scheduler.request(),
    });

  const done = (async () => {
    await watch();
    await scheduler.idle();
    await stateFile.flush();
    await dns?.closed;
    log.info('agent stopped; instances, mesh and nft stay in place');
  })();
  return { state, zone, done };
}
