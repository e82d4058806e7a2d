// `sixpn gateway`: the WireGuard gateway process, the hooks of the reconciler harness (runtime/reconciler.ts) for a
// gateway: a peer created or deleted is installed or removed on the device at once from the watch stream (anything
// else triggers a debounced full pass), DNS for its peers, each peer's handshake and traffic reported, and its
// peers' private traffic counted per far-end region (the usage task, shared with the agent).
// On abort (SIGTERM) it stops and leaves wireguard-go, routes and nft in place: a restarted gateway adopts them.

import { join } from 'node:path';
import type { FetchLike, TokenSource } from '../client/http.ts';
import { formatIPv6, hostResolverAddress, parsePlanPrefix } from '../core/address.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { invalid, isSixpnError } from '../core/errors.ts';
import type { Change, Peer } from '../core/model.ts';
import { checkOwnIfaceName } from '../core/names.ts';
import type { LocalState } from '../core/state.ts';
import { endpointPort, parseEndpoint, parseHostEndpoint } from '../core/wg/endpoint.ts';
import { runDns } from '../dns/run-dns.ts';
import { monotonicMs } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { loadOrCreateKey } from '../runtime/key-file.ts';
import { currentNetnsName } from '../runtime/netns.ts';
import { type PassHooks, Reconciler } from '../runtime/reconciler.ts';
import { runUsageTask } from '../runtime/usage-task.ts';
import type { WireguardMode } from '../runtime/wg-interface.ts';
import { DEFAULT_DNS_PORT, type GatewayIdentity, gatewayInfra, infraFingerprint } from './desired.ts';
import { InstalledFile } from './installed-file.ts';
import type { GatewayRunContext } from './observe.ts';
import { PeerReporter } from './peer-stats.ts';
import { peerUpdates } from './peer-updates.ts';
import { type GatewayPassResult, reconcileGateway } from './reconcile.ts';
import { type GatewaySeams, realGatewaySeams } from './seams.ts';
import { gatewayUsageTable } from './usage.ts';

export interface GatewayOptions {
  name: string;
  region: string;
  /** Control plane base URL (`http://…` or `unix:/path.sock`), or several replicas' URLs joined by commas. */
  api: string;
  token: TokenSource;
  /** Underlay endpoint of the host mesh `IP:PORT`; the port is the mesh listen port. */
  endpoint: string;
  /** `HOST:PORT` peers connect to; the port is the peer interface's listen port. */
  peerEndpoint: string;
  stateDir: string;
  meshIface: string;
  peerIface: string;
  wireguard: WireguardMode;
  /** DNS upstreams `IP[:PORT]`; default: the nameservers of /etc/resolv.conf. */
  upstreams?: string[];
  /** Default `fdaa::/16`. */
  prefix?: string;
  /** Local port DNS is redirected to; default 5353. */
  dnsPort?: number;
  /** Full reconcile at least this often (re-reading every peer); default 30 s. */
  resyncMs?: number;
  /** Peer status report interval; default 5 s. */
  reportMs?: number;
  /** How often the peers' usage counters are read and reported (default 60 s). */
  usageIntervalMs?: number;
  logger: Logger;
  signal: AbortSignal;
  /** Test seams (default: the real drivers). */
  seams?: GatewaySeams;
  /** Where the DNS server listens (default: `fdaa::3` on the peer interface, port `dnsPort`); for tests. */
  dnsListen?: { address: string; port: number };
  fetch?: FetchLike;
}

export interface RunningGateway {
  state: LocalState;
  zone: ZoneIndex;
  /** Resolves when the gateway has stopped after the signal aborted. */
  done: Promise<void>;
}

/** The gateway's fixed facts from its options (all but its keys); throws `invalid_argument` for a bad one. */
function identityOf(o: GatewayOptions): Omit<GatewayIdentity, 'meshKey' | 'peerKey'> {
  checkOwnIfaceName('--mesh-interface', o.meshIface);
  checkOwnIfaceName('--peer-interface', o.peerIface);
  if (o.meshIface === o.peerIface) throw invalid('--mesh-interface and --peer-interface must differ');
  const peerEndpoint = parseHostEndpoint(o.peerEndpoint, '--peer-endpoint');
  return {
    name: o.name,
    region: o.region,
    plan: parsePlanPrefix(o.prefix ?? 'fdaa::/16'),
    meshIface: o.meshIface,
    peerIface: o.peerIface,
    endpoint: parseEndpoint(o.endpoint),
    peerEndpoint,
    peerPort: endpointPort(peerEndpoint),
    dnsPort: o.dnsPort ?? DEFAULT_DNS_PORT,
  };
}

/** Full passes: the infrastructure is fingerprinted (peers are the fast path's), installed times kept. */
function gatewayPasses(
  r: Reconciler,
  id: GatewayIdentity,
  seams: GatewaySeams,
  ctx: GatewayRunContext,
  installed: InstalledFile,
  reporter: PeerReporter,
  fastPaths: () => number,
): PassHooks<GatewayPassResult> {
  return {
    // Peers may have changed while we were away: a snapshot asks for a full pass that re-reads the device.
    snapshotPass: 'periodic',
    fingerprint: () => infraFingerprint(gatewayInfra(r.state, id)),
    reconcile: (reason) => reconcileGateway(r.state, id, seams, ctx, r.log, reason !== 'change', r.signal),
    afterPass: async (last, reason) => {
      if (last.peerOp) reporter.installed(last.peerOp);
      if (reason !== 'change') {
        const dev = await seams.peerCache.get(r.signal).catch(() => undefined);
        if (dev) installed.installed.keepOnly(new Set(dev.peers.map((p) => p.publicKey)));
      }
      await installed.save();
    },
    logFields: (last) => ({ peers: last.desired.peerDevice.peers.length }),
    status: (last) => ({
      peers: last?.desired.peerDevice.peers.length ?? 0,
      networks: last?.desired.networks.length ?? 0,
      fastPaths: fastPaths(),
    }),
  };
}

/** Installs or removes the peer of one change at once, before any debounce; counts what it sent. */
function peerFastPath(r: Reconciler, id: GatewayIdentity, seams: GatewaySeams, reporter: PeerReporter) {
  let count = 0;
  let lastChange = Number.NEGATIVE_INFINITY;
  const onChange = async (change: Change, before: unknown) => {
    if (change.kind !== 'peer') return;
    // Our host number from our own record (the peer's copy is what is being checked against it).
    const num = r.state.all('host').find((h) => h.name === id.name)?.num ?? change.obj.gateway_num;
    const updates = peerUpdates(change, before as Peer | undefined, id.name, num, id.plan);
    if (updates.length === 0) return;
    await r.lock.run(async () => {
      try {
        const t0 = monotonicMs();
        const op = await seams.peerCache.setPeers(updates, r.signal);
        if (!op) return;
        reporter.installed(op);
        count++;
        lastChange = Date.now();
        const ms = Math.round((monotonicMs() - t0) * 100) / 100;
        const removed = (op.peers ?? []).every((p) => p.remove);
        const fields = { rev: change.rev, org: change.obj.org, peer: change.obj.name, ms };
        r.log.info(fields, removed ? 'peer removed' : 'peer installed');
      } catch (e) {
        // The device is not there yet (first start) or broke: the full pass will make it right.
        r.log.warn({ err: isSixpnError(e) ? e.message : String(e) }, 'peer change not applied; reconciling');
        r.invalidate();
      }
    });
  };
  return { onChange, count: () => count, lastChange: () => lastChange };
}

export async function runGateway(o: GatewayOptions): Promise<RunningGateway> {
  const log = o.logger.child({ component: 'gateway', gateway: o.name });
  const base = identityOf(o);
  const ns = o.seams ? 'test' : await currentNetnsName();
  const r = await Reconciler.open({ ...o, plan: base.plan, log });
  const [meshKey, peerKey] = await Promise.all([
    loadOrCreateKey(join(o.stateDir, 'mesh.key')),
    loadOrCreateKey(join(o.stateDir, 'peer.key')),
  ]);
  const id: GatewayIdentity = { ...base, meshKey, peerKey };
  const ctx: GatewayRunContext = {
    meshIface: o.meshIface,
    peerIface: o.peerIface,
    // Forwarding is switched on only inside a namespace of our own, never in the machine's.
    manageForwarding: ns !== undefined,
    nftHashFile: join(o.stateDir, 'nft.hash'),
  };
  const register: GatewaySeams['register'] = async (body, signal) => {
    await r.client.registerGateway(o.name, body, signal);
  };
  const seams = o.seams ?? realGatewaySeams({ ...o, logger: log, register });
  const installed = await InstalledFile.load(join(o.stateDir, 'installed.json'), log);
  log.info({ revision: r.state.revision, ns, wireguard: o.wireguard }, 'gateway starting');
  const reporter = new PeerReporter({
    stats: (signal) => seams.peerStats(signal),
    send: (items, signal) => r.client.reportPeerStatus(o.name, items, signal),
    installed: installed.installed,
    saveInstalled: () => installed.save(),
    exclusive: (f) => r.lock.run(f),
    pacing: { reportMs: o.reportMs ?? 5_000 },
    log,
    signal: o.signal,
  });
  const fast = peerFastPath(r, id, seams, reporter);
  const resyncMs = o.resyncMs ?? 30_000;
  const listen = o.dnsListen ?? { address: formatIPv6(hostResolverAddress(id.plan)), port: id.dnsPort };
  const up = o.upstreams ? { upstreams: o.upstreams } : {};
  const usage = () =>
    runUsageTask({
      table: gatewayUsageTable(r.state, id),
      region: o.region,
      nft: seams.nft,
      send: (report, signal) => r.client.reportGatewayUsage(o.name, report, signal),
      spoolDir: join(o.stateDir, 'usage'),
      ...(o.usageIntervalMs !== undefined ? { intervalMs: o.usageIntervalMs } : {}),
      log,
      signal: o.signal,
    });
  return r.run({
    dnsFirst: false,
    startDns: () =>
      runDns({
        listen: [listen],
        zone: r.zone,
        ...up,
        region: o.region,
        plan: id.plan,
        logger: log,
        signal: o.signal,
      }),
    passes: {
      ...gatewayPasses(r, id, seams, ctx, installed, reporter, fast.count),
      resyncMs,
      // A periodic pass re-reads every peer, holding wireguard-go's device lock (~100 ms at 10,000 peers): like
      // the peer status reads, it waits for a second without peer changes, one period at most.
      quiet: { lastChange: fast.lastChange, quietMs: Math.min(1_000, resyncMs), maxDeferMs: resyncMs },
    },
    onChange: fast.onChange,
    tasks: [() => reporter.run(), usage],
    onStop: () => installed.save(),
    stopMessage: 'gateway stopped; WireGuard, routes and nft stay in place',
  });
}
