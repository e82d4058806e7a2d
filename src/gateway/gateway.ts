// `sixpn gateway`: the WireGuard gateway process. Loads its saved state, follows the watch stream (a peer created
// or deleted is installed or removed on the device at once; anything else triggers a debounced full reconcile),
// serves DNS for its peers, reports each peer's handshake and traffic, and writes status.json after each pass.
// On abort (SIGTERM) it stops and leaves wireguard-go, routes and nft in place: a restarted gateway adopts them.

import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient } from '../client/api-client.ts';
import type { FetchLike } from '../client/http.ts';
import { formatIPv6, hostResolverAddress, parsePlanPrefix } from '../core/address.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { invalid, isSixpnError } from '../core/errors.ts';
import type { Change, Peer } from '../core/model.ts';
import { checkOwnIfaceName } from '../core/names.ts';
import type { LocalState } from '../core/state.ts';
import { endpointPort, parseEndpoint, parseHostEndpoint } from '../core/wg/endpoint.ts';
import { type DnsServer, runDns } from '../dns/run-dns.ts';
import type { Logger } from '../lib/log.ts';
import { run } from '../runtime/exec.ts';
import { writeAtomic } from '../runtime/file-store.ts';
import { followControlPlane } from '../runtime/follow.ts';
import { loadOrCreateKey } from '../runtime/key-file.ts';
import { Scheduler } from '../runtime/scheduler.ts';
import { loadLocalState } from '../runtime/state-file.ts';
import type { WireguardMode } from '../runtime/wg-interface.ts';
import { DEFAULT_DNS_PORT, type GatewayIdentity, gatewayInfra, infraFingerprint } from './desired.ts';
import { InstalledAt } from './installed.ts';
import type { GatewayRunContext } from './observe-apply.ts';
import { PeerReporter } from './peer-stats.ts';
import { peerUpdates } from './peer-updates.ts';
import { applyPeerUpdates, type GatewayPassResult, Lock, reconcileGateway } from './reconcile.ts';
import { type GatewaySeams, realGatewaySeams } from './seams.ts';

export interface GatewayOptions {
  name: string;
  region: string;
  /** Control plane base URL (`http://…` or `unix:/path.sock`), or several replicas' URLs joined by commas. */
  api: string;
  token: string;
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

/** The name of the named network namespace this process runs in, or undefined (the machine's own). */
async function ownNetns(): Promise<string | undefined> {
  const { stdout } = await run('ip', ['netns', 'identify', String(process.pid)]);
  return stdout.trim().split(/\s+/)[0] || undefined;
}

export async function runGateway(o: GatewayOptions): Promise<RunningGateway> {
  const log = o.logger.child({ component: 'gateway', gateway: o.name });
  const plan = parsePlanPrefix(o.prefix ?? 'fdaa::/16');
  checkOwnIfaceName('--mesh-interface', o.meshIface);
  checkOwnIfaceName('--peer-interface', o.peerIface);
  if (o.meshIface === o.peerIface) throw invalid('--mesh-interface and --peer-interface must differ');
  const endpoint = parseEndpoint(o.endpoint);
  const peerEndpoint = parseHostEndpoint(o.peerEndpoint, '--peer-endpoint');
  const ns = o.seams ? 'test' : await ownNetns();
  await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  await rm(join(o.stateDir, 'status.json'), { force: true });
  const [meshKey, peerKey] = await Promise.all([
    loadOrCreateKey(join(o.stateDir, 'mesh.key')),
    loadOrCreateKey(join(o.stateDir, 'peer.key')),
  ]);
  const id: GatewayIdentity = {
    name: o.name,
    region: o.region,
    plan,
    meshIface: o.meshIface,
    peerIface: o.peerIface,
    endpoint,
    peerEndpoint,
    peerPort: endpointPort(peerEndpoint),
    meshKey,
    peerKey,
    dnsPort: o.dnsPort ?? DEFAULT_DNS_PORT,
  };
  const ctx: GatewayRunContext = {
    meshIface: o.meshIface,
    peerIface: o.peerIface,
    // Forwarding is switched on only inside a namespace of our own, never in the machine's.
    manageForwarding: ns !== undefined,
    nftHashFile: join(o.stateDir, 'nft.hash'),
  };
  // The client picks the fetch of each URL itself (unix: sockets included), also for a list of replicas.
  const fetch = o.fetch;
  const client = new ApiClient({ baseUrl: o.api, token: o.token, ...(fetch ? { fetch } : {}) });
  const seams =
    o.seams ??
    realGatewaySeams({
      meshIface: o.meshIface,
      peerIface: o.peerIface,
      wireguard: o.wireguard,
      stateDir: o.stateDir,
      logger: log,
      register: async (body, signal) => {
        await client.registerGateway(o.name, body, signal);
      },
    });

  const { state, zone, stateFile } = await loadLocalState(o.stateDir, plan, log);
  const installedFile = join(o.stateDir, 'installed.json');
  const installed = new InstalledAt(
    await readFile(installedFile, 'utf8')
      .then((t) => JSON.parse(t) as Record<string, string>)
      .catch(() => undefined),
  );
  let installedSaved = installed.version;
  const saveInstalled = async () => {
    if (installed.version === installedSaved) return;
    const v = installed.version;
    await writeAtomic(installedFile, JSON.stringify(installed), 0o600).catch((e: unknown) =>
      log.warn({ err: String(e) }, 'cannot write installed.json'),
    );
    installedSaved = v;
  };
  log.info({ revision: state.revision, ns, wireguard: o.wireguard }, 'gateway starting');

  const lock = new Lock();
  const reporter = new PeerReporter({
    stats: (signal) => seams.peerStats(signal),
    send: (items, signal) => client.reportPeerStatus(o.name, items, signal),
    installed,
    saveInstalled,
    exclusive: (f) => lock.run(f),
    pacing: { reportMs: o.reportMs ?? 5_000 },
    log,
    signal: o.signal,
  });
  let dns: DnsServer | undefined;
  let connected = false;
  let lastInfra = '';
  let last: GatewayPassResult | undefined;
  let applied = 0;
  let fastPaths = 0;

  const ensureDns = async () => {
    if (dns || o.signal.aborted) return;
    dns = await runDns({
      listen: [o.dnsListen ?? { address: formatIPv6(hostResolverAddress(plan)), port: id.dnsPort }],
      zone,
      ...(o.upstreams ? { upstreams: o.upstreams } : {}),
      region: o.region,
      plan,
      logger: log,
      signal: o.signal,
    });
  };

  const status = async (revision: number) => {
    await writeAtomic(
      join(o.stateDir, 'status.json'),
      `${JSON.stringify({
        pid: process.pid,
        revision,
        reconciledAt: new Date().toISOString(),
        peers: last?.desired.peerDevice.peers.length ?? 0,
        networks: last?.desired.networks.length ?? 0,
        dns: dns ? 'listening' : 'down',
        connected,
        failed: last?.failed.length ?? 0,
        reconcileMs: Math.round(last?.ms ?? 0),
        applied,
        fastPaths,
      })}\n`,
      0o644,
    ).catch((e: unknown) => log.warn({ err: String(e) }, 'cannot write status.json'));
  };

  const pass = (reason: 'change' | 'periodic' | 'retry'): Promise<boolean> =>
    lock.run(async () => {
      const revision = state.revision;
      // Peers are installed by the fast path; a change that leaves everything else as it was needs no pass.
      const infra = infraFingerprint(gatewayInfra(state, id));
      if (reason === 'change' && infra === lastInfra && dns) {
        await status(revision);
        return true;
      }
      try {
        last = await reconcileGateway(state, id, seams, ctx, log, reason !== 'change', o.signal);
      } catch (e) {
        log.warn({ err: isSixpnError(e) ? e.message : String(e) }, 'cannot read the gateway; retrying');
        lastInfra = '';
        return false;
      }
      applied += last.applied;
      if (last.peerOp) reporter.installed(last.peerOp);
      if (reason !== 'change') {
        const dev = await seams.peerCache.get(o.signal).catch(() => undefined);
        if (dev) installed.keepOnly(new Set(dev.peers.map((p) => p.publicKey)));
      }
      if (last.actions.length > 0 || reason !== 'periodic') {
        log.info(
          {
            reason,
            revision,
            actions: last.actions.length,
            failed: last.failed.length,
            peers: last.desired.peerDevice.peers.length,
            ms: Math.round(last.ms),
          },
          'reconciled',
        );
      }
      await ensureDns().catch((e: unknown) =>
        log.warn({ err: String(e) }, 'dns server not started; retrying'),
      );
      lastInfra = last.failed.length === 0 ? infra : '';
      await saveInstalled();
      await status(revision);
      return last.failed.length === 0 && dns !== undefined;
    });
  const scheduler = new Scheduler(pass, { periodMs: o.resyncMs ?? 30_000, signal: o.signal });

  /** Installs or removes the peer of one change at once, before any debounce. */
  const fastPath = (change: Extract<Change, { kind: 'peer' }>, before: Peer | undefined) => {
    // Our host number from our own record (the peer's copy is what is being checked against it).
    const num = state.all('host').find((h) => h.name === id.name)?.num ?? change.obj.gateway_num;
    const updates = peerUpdates(change, before, id.name, num, plan);
    if (updates.length === 0) return Promise.resolve();
    return lock.run(async () => {
      try {
        const t0 = performance.now();
        const op = await applyPeerUpdates(seams, updates, o.signal);
        if (op) {
          reporter.installed(op);
          fastPaths++;
          const removed = (op.peers ?? []).every((p) => p.remove);
          log.info(
            {
              rev: change.rev,
              org: change.obj.org,
              peer: change.obj.name,
              ms: Math.round((performance.now() - t0) * 100) / 100,
            },
            removed ? 'peer removed' : 'peer installed',
          );
        }
      } catch (e) {
        // The device is not there yet (first start) or broke: the full pass will make it right.
        log.warn({ err: isSixpnError(e) ? e.message : String(e) }, 'peer change not applied; reconciling');
        lastInfra = '';
      }
    });
  };

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
      // Peers may have changed while we were away: a full pass that re-reads the device.
      onSnapshot: () => scheduler.request('periodic'),
      onChange: async (c, before) => {
        if (c.kind === 'peer') await fastPath(c, before as Peer | undefined);
        scheduler.request();
      },
      onAdvance: () => scheduler.request(),
    });

  const done = (async () => {
    await Promise.all([watch(), reporter.run()]);
    await scheduler.idle();
    await stateFile.flush();
    await saveInstalled();
    await dns?.closed;
    log.info('gateway stopped; WireGuard, routes and nft stay in place');
  })();
  return { state, zone, done };
}
