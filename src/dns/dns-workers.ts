// The DNS server on N worker threads (`sixpn dns --workers N`): each worker runs `runDns` on its own sockets,
// bound with SO_REUSEPORT to the same ports so that the kernel spreads queries over them, and keeps its own
// zone index. The caller follows the control plane on the main thread and hands the snapshot and every change
// to `applySnapshot` / `applyChange`, which post them to every worker; each applies them to its index.
// One worker: `runDns` in this thread, no copy of the state.

import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AddressPlan } from '../core/address.ts';
import { ZoneIndex } from '../core/dns/zone-index.ts';
import { type ErrorCode, invalid, SixpnError } from '../core/errors.ts';
import type { Change, Snapshot } from '../core/model.ts';
import { type Logger, silentLogger } from '../lib/log.ts';
import { type BoundAddress, type ListenSpec, type RunDnsOptions, runDns } from './run-dns.ts';

/** What a worker is started with: the options of `runDns` that cross a thread (no logger, signal, clock). */
export interface WorkerOptions
  extends Omit<RunDnsOptions, 'zone' | 'signal' | 'logger' | 'registry' | 'now' | 'reusePort' | 'plan'> {
  plan?: AddressPlan;
}

export interface WorkerInit {
  index: number;
  options: WorkerOptions;
  logLevel: string;
}

/** Main thread → worker. */
export type ToWorker =
  | { t: 'snapshot'; snapshot: Snapshot }
  | { t: 'change'; change: Change }
  /** Answered with `synced` once everything posted before it is applied. */
  | { t: 'sync'; id: number }
  | { t: 'stop' };

/** Worker → main thread. */
export type FromWorker =
  | { t: 'ready'; addresses: BoundAddress[] }
  | { t: 'synced'; id: number }
  | { t: 'error'; message: string; code: ErrorCode | undefined };

export interface DnsWorkersOptions extends WorkerOptions {
  /** Threads each answering on its own sockets (1: this thread). */
  workers: number;
  logger?: Logger;
  /** Aborting stops every worker; `closed` then resolves. */
  signal: AbortSignal;
}

export interface DnsWorkers {
  readonly workers: number;
  readonly addresses: readonly BoundAddress[];
  /** Replaces the state of every worker's index (first load and resync). */
  applySnapshot(s: Snapshot): void;
  /** Applies one change in every worker (a change at or below a worker's revision is ignored there). */
  applyChange(c: Change): void;
  /** Resolves once every worker has applied all the state handed over before the call. */
  synced(): Promise<void>;
  /** Resolves once every worker has stopped after the signal; rejects when a worker dies on its own. */
  readonly closed: Promise<void>;
}

export const MAX_DNS_WORKERS = 64;

/**
 * One worker per core, at most 4: each holds a copy of the zone index (memory grows with N), and past the
 * cores there is nothing to gain.
 */
export function defaultDnsWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** How long a worker may take to close its sockets once told to stop before it is terminated. */
const STOP_GRACE_MS = 2_000;

/** `runDns` in this thread: the shape of {@link DnsWorkers} over one zone index. */
async function inThisThread(opts: DnsWorkersOptions): Promise<DnsWorkers> {
  const zone = new ZoneIndex({ plan: opts.plan });
  const { workers: _w, ...rest } = opts;
  const server = await runDns({ ...rest, zone });
  return {
    workers: 1,
    addresses: server.addresses,
    applySnapshot: (s) => zone.applySnapshot(s),
    applyChange: (c) => void zone.applyChange(c),
    synced: () => Promise.resolve(),
    closed: server.closed,
  };
}

/** The compiled worker beside this file (`.js`), or the TypeScript one under tsx (`.ts`). */
const workerUrl = () => new URL(`./dns-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

function workerError(m: FromWorker & { t: 'error' }): Error {
  return m.code ? new SixpnError(m.code, m.message) : new Error(m.message);
}

interface Started {
  worker: Worker;
  addresses: BoundAddress[];
  exited: Promise<number>;
}

/** Starts one worker and resolves once it listens (or rejects with its bind error). */
function startWorker(init: WorkerInit, logger: Logger): Promise<Started> {
  const worker = new Worker(workerUrl(), { workerData: init, name: `sixpn-dns-${init.index}` });
  // an uncaught error ends the worker: logged here, its exit is what the server acts on
  worker.on('error', (e) => logger.error({ err: e, worker: init.index }, 'dns worker failed'));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      worker.off('message', onMessage);
      if (m.t === 'ready') resolve({ worker, addresses: m.addresses, exited });
      else if (m.t === 'error') reject(workerError(m));
    };
    worker.on('message', onMessage);
    void exited.then((code) =>
      reject(new Error(`dns worker ${init.index} exited with ${code} before listening`)),
    );
  });
}

/** Starts `n` workers: the first on the addresses as given, the others on the ports it got. */
async function startAll(
  n: number,
  options: WorkerOptions,
  logLevel: string,
  logger: Logger,
): Promise<Started[]> {
  const started: Started[] = [];
  try {
    started.push(await startWorker({ index: 0, options, logLevel }, logger));
    const listen: ListenSpec[] = (started[0]?.addresses ?? []).map((a) => ({
      address: a.host,
      port: a.port,
      ...(a.network !== undefined ? { network: a.network } : {}),
    }));
    const rest = await Promise.allSettled(
      Array.from({ length: n - 1 }, (_, i) =>
        startWorker({ index: i + 1, options: { ...options, listen }, logLevel }, logger),
      ),
    );
    for (const r of rest) if (r.status === 'fulfilled') started.push(r.value);
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return started;
  } catch (e) {
    await Promise.all(started.map((s) => s.worker.terminate()));
    throw e;
  }
}

/** `synced()` over the workers: a `sync` message each, resolved when every one has answered it. */
function syncer(started: Started[]): () => Promise<void> {
  let syncs = 0;
  const waiting = new Map<number, { left: number; done: () => void }>();
  for (const s of started) {
    s.worker.on('message', (m: FromWorker) => {
      if (m.t !== 'synced') return;
      const w = waiting.get(m.id);
      if (w && --w.left === 0) {
        waiting.delete(m.id);
        w.done();
      }
    });
  }
  return () =>
    new Promise<void>((done) => {
      const id = ++syncs;
      waiting.set(id, { left: started.length, done });
      for (const s of started) s.worker.postMessage({ t: 'sync', id } satisfies ToWorker);
    });
}

/**
 * Resolves once every worker has exited after `signal` (terminated after a grace period); rejects when one
 * exits on its own, after terminating the others.
 */
function supervise(started: Started[], signal: AbortSignal): Promise<void> {
  const terminateAll = () => Promise.all(started.map((s) => s.worker.terminate()));
  let stopping = false;
  return new Promise<void>((resolve, reject) => {
    for (const s of started) {
      void s.exited.then((code) => {
        if (stopping) return;
        stopping = true;
        void terminateAll().finally(() =>
          reject(new Error(`a dns worker exited with ${code}; the server stopped`)),
        );
      });
    }
    const stop = () => {
      if (stopping) return;
      stopping = true;
      for (const s of started) s.worker.postMessage({ t: 'stop' } satisfies ToWorker);
      const timer = setTimeout(() => void terminateAll(), STOP_GRACE_MS);
      void Promise.all(started.map((s) => s.exited)).then(() => {
        clearTimeout(timer);
        resolve();
      });
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * Starts the DNS server on `opts.workers` threads and resolves once every one listens. The first worker binds
 * the addresses as given (port 0 picks one); the others bind the ports it got.
 */
export async function runDnsWorkers(opts: DnsWorkersOptions): Promise<DnsWorkers> {
  const n = opts.workers;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DNS_WORKERS) {
    throw invalid(`workers must be from 1 to ${MAX_DNS_WORKERS}, got ${n}`);
  }
  if (n === 1) return inThisThread(opts);
  const logger = (opts.logger ?? silentLogger).child({ component: 'dns' });
  const { workers: _w, logger: _l, signal, ...options } = opts;
  const started = await startAll(n, options, opts.logger?.level ?? 'silent', logger);
  const post = (m: ToWorker) => {
    for (const s of started) s.worker.postMessage(m);
  };
  logger.info({ workers: n, addresses: started[0]?.addresses }, 'dns workers listening');
  return {
    workers: n,
    addresses: started[0]?.addresses ?? [],
    applySnapshot: (snapshot) => post({ t: 'snapshot', snapshot }),
    applyChange: (change) => post({ t: 'change', change }),
    synced: syncer(started),
    closed: supervise(started, signal),
  };
}
