// The DNS server entry point that the host agent, the gateway and `sixpn dns` embed: UDP and TCP listeners on
// each address, the zone index the caller keeps current, recursion to upstreams with serve-stale, metrics.

import { readFileSync } from 'node:fs';
import { type AddressPlan, defaultPlan } from '../core/address.ts';
import { formatHostPort, type HostPort, parseHostPort } from '../core/dns/host-port.ts';
import { parseResolvConf } from '../core/dns/resolv-conf.ts';
import { NO_NETWORK } from '../core/dns/responder.ts';
import type { ZoneIndex } from '../core/dns/zone-index.ts';
import { invalid } from '../core/errors.ts';
import { type Logger, silentLogger } from '../lib/log.ts';
import type { Registry } from '../lib/metrics.ts';
import { DnsHandler, type Later } from './handler.ts';
import { createDnsMetrics, type DnsMetrics } from './metrics.ts';
import { boundNetwork, SourceNetworks } from './source-network.ts';
import { StaleCache } from './stale-cache.ts';
import { listenTcp } from './tcp-server.ts';
import { listenUdp, type SourceNet, type UdpIo, type UdpListener } from './udp-server.ts';
import { Upstreams } from './upstreams.ts';

/** A listening address. `network` pins every query arriving there to that network (gateway: `fdaa:N:N::3`). */
export interface ListenSpec {
  address: string;
  /** Default 53; 0 picks a free port (the same for UDP and TCP). */
  port?: number;
  /** Default: N when `address` is `fdaa:N:N::3` of the plan, else none (the source address decides). */
  network?: number;
}

export interface RunDnsOptions {
  /** `ADDR`, `ADDR:PORT`, `[V6]:PORT`, or specs. */
  listen: readonly (string | ListenSpec)[];
  /** The state: the caller applies the snapshot and changes to it (the reconciler harness does). */
  zone: ZoneIndex;
  /** `ADDR[:PORT]` of recursive resolvers; default: the nameservers of `resolvConf`. Empty: no recursion. */
  upstreams?: readonly string[];
  /** Default `/etc/resolv.conf` (read only, never written). */
  resolvConf?: string;
  /** Network for askers outside every network (debugging only); without it they get REFUSED. */
  defaultNetwork?: number;
  /** This host's (or gateway's) region: the origin of `top<N>.nearest.of.<app>.internal`. */
  region?: string;
  plan?: AddressPlan;
  logger?: Logger;
  /** Aborting closes every socket; `closed` then resolves. */
  signal: AbortSignal;
  /** Per upstream exchange, ms (default 1500). */
  upstreamTimeoutMs?: number;
  /** How long past their TTL upstream answers are served when every upstream is down, s (default 86400). */
  staleMaxSeconds?: number;
  tcpIdleMs?: number;
  /** Clock in ms for the stale cache and upstream hold-down; injectable for tests. */
  now?: () => number;
  /** Where the metrics are registered (default: a registry of this server's own). */
  registry?: Registry;
  /** SO_REUSEPORT on every socket, so that other workers can bind the same ports (see `dns-workers.ts`). */
  reusePort?: boolean;
  /** UDP I/O: `auto` (default) the batched addon (native/udp-batch) when it loads, else node:dgram. */
  udpIo?: UdpIo;
}

export interface BoundAddress {
  host: string;
  port: number;
  network: number | undefined;
}

export interface DnsServer {
  readonly addresses: readonly BoundAddress[];
  readonly upstreams: readonly string[];
  readonly metrics: DnsMetrics;
  /** Starts listening on one more address (a gateway adds `fdaa:N:N::3` when a network appears). */
  addListener(spec: string | ListenSpec): Promise<BoundAddress>;
  removeListener(host: string, port?: number): Promise<void>;
  /** Resolves once the server has shut down after the signal aborted. */
  readonly closed: Promise<void>;
}

function toSpec(s: string | ListenSpec): ListenSpec {
  if (typeof s !== 'string') return s;
  const hp = parseHostPort(s);
  return { address: hp.host, port: hp.port };
}

/** Upstreams from options or resolv.conf, minus our own listening addresses (a loop). */
function upstreamList(opts: RunDnsOptions, listen: ListenSpec[], logger: Logger): HostPort[] {
  let texts = opts.upstreams;
  if (texts === undefined) {
    const path = opts.resolvConf ?? '/etc/resolv.conf';
    try {
      texts = parseResolvConf(readFileSync(path, 'utf8'));
    } catch (e) {
      logger.warn({ path, err: String(e) }, 'cannot read resolv.conf; no upstream resolvers');
      texts = [];
    }
  }
  const own = new Set(listen.map((l) => formatHostPort({ host: l.address, port: l.port ?? 53 })));
  const out: HostPort[] = [];
  for (const t of texts) {
    const hp = parseHostPort(t);
    if (own.has(formatHostPort(hp))) logger.warn({ upstream: t }, 'upstream is this server itself; skipped');
    else out.push(hp);
  }
  return out;
}

/** UDP and TCP listeners on the same port of `hp`; with port 0, tries again when TCP finds UDP's port taken. */
async function listenPair(
  hp: HostPort,
  handler: DnsHandler,
  nets: SourceNet,
  logger: Logger,
  opts: RunDnsOptions,
): Promise<{ udp: UdpListener; tcp: { close(): Promise<void> } }> {
  for (let attempt = 0; ; attempt++) {
    const udp = await listenUdp(
      hp,
      <C>(msg: Buffer, net: number, ctx: C, later: Later<C>) => handler.handle(msg, net, false, ctx, later),
      nets,
      logger,
      { reusePort: opts.reusePort, io: opts.udpIo },
    );
    try {
      const tcp = await listenTcp(
        { ...hp, port: udp.port },
        (msg, remote, later) => handler.handle(msg, nets.of(remote), true, undefined, later),
        logger,
        { idleMs: opts.tcpIdleMs, reusePort: opts.reusePort },
      );
      return { udp, tcp };
    } catch (e) {
      await udp.close();
      if (hp.port !== 0 || attempt >= 10) throw e;
    }
  }
}

/**
 * Starts the DNS server and resolves once every address is bound. Throws `invalid_argument` for a bad address
 * or default network, and the bind error (e.g. EADDRINUSE) when an address cannot be bound.
 */
export async function runDns(opts: RunDnsOptions): Promise<DnsServer> {
  const logger = (opts.logger ?? silentLogger).child({ component: 'dns' });
  const plan = opts.plan ?? defaultPlan;
  const fallback = opts.defaultNetwork ?? NO_NETWORK;
  if (fallback !== NO_NETWORK && !(Number.isInteger(fallback) && fallback >= 1 && fallback <= 0xffffffff)) {
    throw invalid(`default network must be a network number from 1 to 4294967295, got ${fallback}`);
  }
  const specs = opts.listen.map(toSpec);
  const ups = upstreamList(opts, specs, logger);
  const metrics = createDnsMetrics(opts.registry);
  const handler = new DnsHandler({
    zone: opts.zone,
    upstreams:
      ups.length > 0
        ? new Upstreams(ups, { timeoutMs: opts.upstreamTimeoutMs, metrics, logger, now: opts.now })
        : undefined,
    stale: new StaleCache({ maxStaleSeconds: opts.staleMaxSeconds ?? 86_400, now: opts.now }),
    metrics,
    logger,
    region: opts.region,
    signal: opts.signal,
  });
  const sources = new SourceNetworks(plan, fallback);
  const listeners = new Map<string, { bound: BoundAddress; close: () => Promise<void> }>();

  const bindOne = async (spec: ListenSpec): Promise<BoundAddress> => {
    const hp = parseHostPort(spec.address, spec.port ?? 53);
    if (spec.port !== undefined) hp.port = spec.port;
    const pinned = spec.network ?? boundNetwork(plan, hp.host);
    const nets: SourceNet = pinned !== undefined ? { of: () => pinned, ofSockaddr: () => pinned } : sources;
    const { udp, tcp } = await listenPair(hp, handler, nets, logger, opts);
    const bound: BoundAddress = { host: hp.host, port: udp.port, network: pinned };
    metrics.udpListeners(udp.io, 1);
    listeners.set(formatHostPort(bound), {
      bound,
      close: async () => {
        metrics.udpListeners(udp.io, -1);
        await Promise.all([udp.close(), tcp.close()]);
      },
    });
    logger.info({ address: formatHostPort(bound), network: pinned, udpIo: udp.io }, 'dns listening');
    return bound;
  };

  const closeAll = async () => {
    await Promise.all([...listeners.values()].map((l) => l.close()));
    listeners.clear();
  };
  try {
    for (const s of specs) await bindOne(s);
  } catch (e) {
    await closeAll();
    handler.close();
    throw e;
  }
  const closed = new Promise<void>((resolve) => {
    const stop = () => {
      handler.close();
      closeAll().then(
        () => resolve(),
        () => resolve(),
      );
    };
    if (opts.signal.aborted) stop();
    else opts.signal.addEventListener('abort', stop, { once: true });
  });
  logger.info({ upstreams: ups.map(formatHostPort), region: opts.region }, 'dns started');
  return {
    get addresses() {
      return [...listeners.values()].map((l) => l.bound);
    },
    upstreams: ups.map(formatHostPort),
    metrics,
    addListener: (spec) => bindOne(toSpec(spec)),
    async removeListener(host, port = 53) {
      const key = formatHostPort({ host, port });
      const l = listeners.get(key);
      listeners.delete(key);
      await l?.close();
    },
    closed,
  };
}
