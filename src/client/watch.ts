// The watch-stream consumer shared by the DNS server, host agents and gateways: every change after a revision,
// in order, exactly once, across disconnects (resume with the last revision) and lost history (resync with a
// fresh snapshot). Protocol: GET /v1/watch?since=REV, NDJSON lines of Change or {"heartbeat":REV}.

import { setTimeout as delay } from 'node:timers/promises';
import { type ErrorCode, isSixpnError, SixpnError } from '../core/errors.ts';
import type { Change, Snapshot } from '../core/model.ts';
import type { Logger } from '../lib/log.ts';
import { type BodyStream, type HttpResponse, isErrorCode } from './http.ts';
import { LineDecoder } from './ndjson.ts';
import { ErrorBody, parseChange } from './schemas.ts';

export type WatchEvent =
  /** The whole state: at the start (when `since` was undefined) or after a resync. Replace local state. */
  | { type: 'snapshot'; snapshot: Snapshot; reason: 'initial' | 'resync' }
  /** One committed change, newer than everything yielded before. */
  | { type: 'change'; change: Change }
  /** The server examined every revision up to `revision`; nothing visible changed. The stream is alive. */
  | { type: 'heartbeat'; revision: number }
  /** The stream broke; it reconnects by itself after `retryInMs`. For logs and "connected" gauges. */
  | { type: 'disconnected'; error: SixpnError; retryInMs: number };

/** What the consumer needs from the API client (ApiClient implements it). */
export interface WatchSource {
  readonly baseUrl: string;
  snapshot(signal?: AbortSignal): Promise<Snapshot>;
  openWatch(since: number, signal?: AbortSignal): Promise<HttpResponse>;
  /** The stream from `url` broke: reconnect to the next control-plane URL first (clients with several). */
  moveOn?(url: string): void;
}

export interface WatchOptions {
  logger?: Logger;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. Default 35 s (heartbeats: 10 s). */
  idleTimeoutMs?: number;
  /**
   * Reconnect backoff: doubles from `minBackoffMs` to `maxBackoffMs`, with jitter. Defaults 250 ms and 2 s, so
   * agents catch up within about 2 s of the control plane's return (a reconnect is one cheap, jittered request).
   */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Injected for tests. `sleep` resolves early (never rejects) when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Failures that a retry cannot fix: the generator throws them instead of reconnecting. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set([
  'unauthenticated',
  'permission_denied',
  'not_found',
  'invalid_argument',
  'payload_too_large',
]);

const defaultSleep = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).catch(() => undefined);

type Line = { change: Change } | { heartbeat: number };

/**
 * Every change after `since` as it commits. With `since` undefined it first yields a snapshot and continues from
 * its revision. Changes come in strictly increasing revision order and never twice; when the server no longer
 * has the history after the last revision (410 `resync_required`) it yields a new snapshot and goes on from
 * there. Network failures and 5xx answers reconnect with backoff; authentication and permission failures throw.
 * Ends (returns) when `signal` aborts. Breaking out of the loop closes the connection.
 */
export async function* watchChanges(
  source: WatchSource,
  since: number | undefined,
  signal: AbortSignal,
  opts: WatchOptions = {},
): AsyncGenerator<WatchEvent> {
  const log = opts.logger;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const minMs = opts.minBackoffMs ?? 250;
  const maxMs = opts.maxBackoffMs ?? 2_000;
  const idleMs = opts.idleTimeoutMs ?? 35_000;
  let last = since;
  let reason: 'initial' | 'resync' = 'initial';
  let failures = 0;
  let resyncs = 0;
  /** The URL the current stream was opened at (or answered from), to move on from when it breaks or stalls. */
  let streamUrl: string | undefined;
  const backoff = () =>
    Math.round(Math.min(maxMs, minMs * 2 ** Math.min(failures, 30)) * (0.5 + random() / 2));

  while (!signal.aborted) {
    streamUrl = undefined;
    try {
      if (last === undefined) {
        if (resyncs > 1) await sleep(backoff(), signal); // the server keeps asking: do not spin
        const snapshot = await source.snapshot(signal);
        last = snapshot.revision;
        yield { type: 'snapshot', snapshot, reason };
      }
      if (signal.aborted) return;
      let lines = 0;
      streamUrl = source.baseUrl;
      for await (const line of streamOnce(source, last, signal, idleMs)) {
        if (signal.aborted) return;
        if (++lines === 1) streamUrl = source.baseUrl;
        if ('heartbeat' in line) {
          if (line.heartbeat > last) last = line.heartbeat;
          // The server opens every stream with a heartbeat: only a later one shows the stream really works.
          if (lines > 1) failures = 0;
          resyncs = 0;
          yield { type: 'heartbeat', revision: line.heartbeat };
          continue;
        }
        if (line.change.rev <= last) continue; // seen already (a server that repeats after a reconnect)
        last = line.change.rev;
        failures = 0;
        resyncs = 0;
        yield { type: 'change', change: line.change };
      }
      throw new SixpnError('unavailable', 'the control plane closed the watch stream');
    } catch (e) {
      if (signal.aborted) return;
      const err = asSixpnError(e, source.baseUrl);
      if (err.code === 'resync_required') {
        log?.info({ since: last }, 'watch history lost; resyncing from a snapshot');
        last = undefined;
        reason = 'resync';
        resyncs++;
        continue;
      }
      if (PERMANENT.has(err.code)) throw err;
      if (streamUrl !== undefined) source.moveOn?.(streamUrl);
      const retryInMs = backoff();
      failures++;
      log?.warn(
        { err: err.message, code: err.code, since: last, retryInMs },
        'watch stream broke; reconnecting',
      );
      yield { type: 'disconnected', error: err, retryInMs };
      await sleep(retryInMs, signal);
    }
  }
}

/** One connection: its lines until the stream ends, an error line arrives, or nothing came for `idleMs`. */
async function* streamOnce(source: WatchSource, since: number, outer: AbortSignal, idleMs: number) {
  if (outer.aborted) return;
  const conn = new AbortController();
  const signal = AbortSignal.any([outer, conn.signal]);
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  let reader: ReturnType<BodyStream['getReader']> | undefined;
  // Cancel the body ourselves too: not every fetch (in-process ones) ends a body when its signal aborts.
  const close = () => {
    conn.abort();
    reader?.cancel().catch(() => undefined);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      close();
    }, idleMs);
  };
  const idleError = () => new SixpnError('unavailable', `no data on the watch stream for ${idleMs / 1000}s`);
  outer.addEventListener('abort', close, { once: true });
  try {
    arm();
    const res = await source.openWatch(since, signal);
    if (!res.body) throw new SixpnError('unavailable', 'the watch answer has no body');
    const r = res.body.getReader();
    reader = r;
    if (outer.aborted) return;
    const lines = new LineDecoder();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof r.read>>;
      try {
        chunk = await r.read();
      } catch (e) {
        if (outer.aborted) return;
        if (idle) throw idleError();
        throw e;
      }
      if (outer.aborted) return;
      if (idle) throw idleError();
      if (chunk.done) break;
      arm();
      for (const text of lines.push(chunk.value)) {
        if (outer.aborted) return;
        yield parseLine(text);
      }
    }
    for (const text of lines.end()) yield parseLine(text);
  } catch (e) {
    if (idle && !outer.aborted) throw idleError();
    throw e;
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', close);
    close();
  }
}

/** One NDJSON line: a change, a heartbeat, or an error the server sent before closing (thrown). */
export function parseLine(text: string): Line {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SixpnError('internal', `the watch stream sent a line that is not JSON: ${text.slice(0, 100)}`);
  }
  if (v && typeof v === 'object' && 'heartbeat' in v) {
    const rev = (v as { heartbeat: unknown }).heartbeat;
    if (Number.isInteger(rev) && (rev as number) >= 0) return { heartbeat: rev as number };
  }
  const err = ErrorBody.safeParse(v);
  if (err.success) {
    const { code, message, details } = err.data.error;
    throw new SixpnError(isErrorCode(code) ? code : 'unavailable', message, details ? { details } : {});
  }
  const change = parseChange(v);
  if (!change)
    throw new SixpnError(
      'internal',
      `the watch stream sent a line that is not a change: ${text.slice(0, 100)}`,
    );
  return { change };
}

function asSixpnError(e: unknown, baseUrl: string): SixpnError {
  if (isSixpnError(e)) return e;
  const msg = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  return new SixpnError('unavailable', `watch stream from ${baseUrl} failed: ${msg}`, { cause: e });
}
