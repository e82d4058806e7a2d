// The batched UDP path (native/udp-batch): recvmmsg/sendmmsg and one JS call per batch of up to 64 datagrams
// over one shared buffer, instead of node:dgram's Buffer, rinfo and address text per datagram. Loaded once per
// thread; when it is not built or does not load, `loadUdpBatch` says why and the server uses node:dgram.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { HostPort } from '../core/dns/host-port.ts';
import type { Logger } from '../lib/log.ts';
import type { Later } from './handler.ts';
import type { DatagramHandler, SourceNet, UdpListener } from './udp-server.ts';

export interface Layout {
  slots: number;
  inSize: number;
  outSize: number;
  addrSize: number;
  inOff: number;
  outOff: number;
  addrOff: number;
  inLenOff: number;
  outLenOff: number;
  statsOff: number;
  size: number;
}

interface NativeSocket {
  readonly port: number;
  readonly memory: ArrayBuffer;
  close(): void;
  sendTo(bytes: Uint8Array, sockaddr: Uint8Array): string | undefined;
}

export interface UdpBatchModule {
  UdpBatchSocket: new (
    family: 4 | 6,
    host: string,
    port: number,
    reusePort: boolean,
    recvBufferSize: number,
    onBatch: (n: number) => void,
  ) => NativeSocket;
  layout: Layout;
}

/** Counters of one batched socket (the native side bumps them). */
export interface BatchStats {
  received: number;
  sent: number;
  /** Answers not sent: the send buffer was full, or the kernel refused the destination. */
  dropped: number;
  /** Datagrams longer than a slot (4096 bytes), handled from their first 4096. */
  truncated: number;
  batches: number;
}

const LAYOUT_KEYS = ['slots', 'inSize', 'outSize', 'addrSize', 'inOff', 'outOff', 'addrOff'] as const;

/** The built addon: dist/native beside the compiled code, else the node-gyp output (running from src/). */
const CANDIDATES = ['../native/udp_batch.node', '../../native/udp-batch/build/Release/udp_batch.node'];

let loaded: UdpBatchModule | string | undefined;

/** The addon, or why it is not available (not Linux, not built, failed to load). Cached per thread. */
export function loadUdpBatch(): UdpBatchModule | string {
  loaded ??=
    process.platform === 'linux'
      ? loadUdpBatchFrom(CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url))))
      : `recvmmsg is Linux only, this is ${process.platform}`;
  return loaded;
}

/** The addon from the first of `paths` that exists, or why none is usable. */
export function loadUdpBatchFrom(paths: readonly string[]): UdpBatchModule | string {
  const path = paths.find((p) => existsSync(p));
  if (!path) return 'native/udp-batch is not built (npm run build)';
  try {
    const m = createRequire(import.meta.url)(path) as Partial<UdpBatchModule>;
    const ok =
      typeof m.UdpBatchSocket === 'function' && LAYOUT_KEYS.every((k) => typeof m.layout?.[k] === 'number');
    return ok ? (m as UdpBatchModule) : `${path} is not the udp-batch addon this code expects`;
  } catch (e) {
    return `${path} does not load: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Binds a batched socket on `hp` and answers every datagram through `handle`; throws the bind error (with
 * `code`, e.g. EADDRINUSE). A forwarded query's answer (`later`) goes out on its own once it is ready.
 */
export function listenUdpBatch(
  native: UdpBatchModule,
  hp: HostPort,
  handle: DatagramHandler,
  nets: SourceNet,
  logger: Logger,
  opts: { reusePort: boolean; recvBufferSize: number },
): UdpListener & { stats(): BatchStats } {
  const L = native.layout;
  // The id of each datagram is the `ctx` of the handler: a forwarded one's source is kept under it.
  let seq = 0;
  let current = -1;
  let answerNow: Buffer | undefined;
  const waiting = new Map<number, Uint8Array>();
  let sock: NativeSocket | undefined;
  const sendOne = (out: Buffer, addr: Uint8Array) => {
    const err = sock?.sendTo(out, addr);
    if (err) logger.warn({ err, address: hp.host }, 'dns udp send failed');
  };
  const later: Later<number> = (out, id) => {
    if (id === current) {
      answerNow = out; // answered before `handle` returned (e.g. SERVFAIL with no upstream): send with the batch
      return;
    }
    const addr = waiting.get(id);
    waiting.delete(id);
    if (addr) sendOne(out, addr);
  };
  let mem = new Uint8Array(0);
  let buf = Buffer.alloc(0);
  let inLen = new Uint32Array(0);
  let outLen = new Uint32Array(0);
  const onBatch = (n: number) => {
    for (let i = 0; i < n; i++) {
      const inOff = L.inOff + i * L.inSize;
      const addrOff = L.addrOff + i * L.addrSize;
      current = seq = (seq + 1) & 0x3fffffff;
      answerNow = undefined;
      let out = handle(buf.subarray(inOff, inOff + inLen[i]!), nets.ofSockaddr(mem, addrOff), current, later);
      if (out === undefined) {
        if (answerNow) out = answerNow;
        else waiting.set(current, mem.slice(addrOff, addrOff + L.addrSize));
      }
      if (!out) continue;
      if (out.length <= L.outSize) {
        mem.set(out, L.outOff + i * L.outSize);
        outLen[i] = out.length;
      } else sendOne(out, mem.subarray(addrOff, addrOff + L.addrSize));
    }
    current = -1;
  };
  const s = new native.UdpBatchSocket(
    hp.family,
    hp.host,
    hp.port,
    opts.reusePort,
    opts.recvBufferSize,
    onBatch,
  );
  sock = s;
  mem = new Uint8Array(s.memory);
  buf = Buffer.from(s.memory);
  inLen = new Uint32Array(s.memory, L.inLenOff, L.slots);
  outLen = new Uint32Array(s.memory, L.outLenOff, L.slots);
  const stats = new Float64Array(s.memory, L.statsOff, 5);
  return {
    port: s.port,
    io: 'batch',
    close: async () => {
      s.close();
      waiting.clear();
    },
    stats: () => ({
      received: stats[0]!,
      sent: stats[1]!,
      dropped: stats[2]!,
      truncated: stats[3]!,
      batches: stats[4]!,
    }),
  };
}
