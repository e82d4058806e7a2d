// An in-process fake of the control plane's snapshot and watch routes (a fetch(Request) → Response handler) for
// the client's unit tests: it can drop, stall, refuse, repeat and forget history on demand.

import type { Change, Region, Snapshot } from '../core/model.ts';
import type { FetchLike } from './http.ts';

/** A region change at `rev`: the smallest valid Change. */
export function regionChange(rev: number, op: 'put' | 'delete' = 'put'): Change {
  const obj: Region = {
    code: `r${rev}`,
    name: `Region ${rev}`,
    lat: 1,
    lon: 2,
    created_at: '2026-01-01T00:00:00Z',
  };
  return { rev, op, kind: 'region', id: obj.code, org: null, obj };
}

type Plan =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'refuse' }
  | { kind: 'stall' }
  | { kind: 'close-after'; lines: number }
  | { kind: 'raw'; lines: string[] };

interface OpenStream {
  since: number;
  push: (line: string) => void;
  close: () => void;
}

export class FakeWatchServer {
  readonly token = 'test-token';
  /** Every committed change, by increasing rev. */
  readonly log: Change[] = [];
  /** Oldest `since` still served; older → 410. */
  retainedFrom = 0;
  /** The `since` of every watch request, in order. */
  readonly watchRequests: number[] = [];
  snapshotRequests = 0;
  /** How many open streams the client cancelled (closed from its side). */
  cancelled = 0;
  /** Ignore `since` and replay the whole log (a misbehaving server). */
  replayAll = false;
  private readonly plans: Plan[] = [];
  private readonly streams = new Set<OpenStream>();

  get head(): number {
    return this.log.at(-1)?.rev ?? 0;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Commits a change and sends it to every open stream. */
  commit(c: Change): void {
    this.log.push(c);
    for (const s of this.streams) s.push(JSON.stringify(c));
  }

  heartbeat(rev = this.head): void {
    for (const s of this.streams) s.push(JSON.stringify({ heartbeat: rev }));
  }

  /** Sends a raw line to every open stream. */
  sendLine(line: string): void {
    for (const s of this.streams) s.push(line);
  }

  /** Ends every open stream from the server side. */
  closeAll(): void {
    for (const s of [...this.streams]) s.close();
  }

  /** What the next watch request gets (queued; each is used once). */
  next(plan: Plan): void {
    this.plans.push(plan);
  }

  snapshot(): Snapshot {
    const regions = this.log.filter((c) => c.kind === 'region' && c.op === 'put').map((c) => c.obj as Region);
    return {
      revision: this.head,
      orgs: [],
      networks: [],
      regions,
      hosts: [],
      apps: [],
      instances: [],
      peers: [],
    };
  }

  readonly fetch: FetchLike = async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    if (url.pathname === '/v1/watch' && this.plans[0]?.kind === 'refuse') {
      this.plans.shift();
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    }
    if (req.headers.get('authorization') !== `Bearer ${this.token}`)
      return error(401, 'unauthenticated', 'bad token');
    if (url.pathname === '/v1/snapshot') {
      this.snapshotRequests++;
      return Response.json(this.snapshot());
    }
    if (url.pathname !== '/v1/watch') return error(404, 'not_found', `no route ${url.pathname}`);
    const since = Number(url.searchParams.get('since'));
    this.watchRequests.push(since);
    const plan = this.plans.shift();
    if (plan?.kind === 'status') {
      return new Response(plan.body ?? JSON.stringify({ error: { code: 'unavailable', message: 'down' } }), {
        status: plan.status,
      });
    }
    if (since < this.retainedFrom || since > this.head) {
      return error(410, 'resync_required', `revision ${since} is not in the history`);
    }
    return this.stream(req, since, plan);
  };

  private stream(req: Request, since: number, plan: Plan | undefined): Response {
    const enc = new TextEncoder();
    let sent = 0;
    let stream!: OpenStream;
    let open = true; // false once closed by us or cancelled by the reader (closing twice throws)
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        stream = {
          since,
          push: (line) => {
            if (!open) return;
            controller.enqueue(enc.encode(`${line}\n`));
            sent++;
            if (plan?.kind === 'close-after' && sent >= plan.lines) stream.close();
          },
          close: () => {
            if (!open) return;
            open = false;
            this.streams.delete(stream);
            controller.close();
          },
        };
        if (plan?.kind === 'stall') return; // an open connection that never sends a byte
        this.streams.add(stream);
        req.signal.addEventListener('abort', () => stream.close(), { once: true });
        if (plan?.kind === 'raw') {
          for (const l of plan.lines) stream.push(l);
          return;
        }
        for (const c of this.log) if (this.replayAll || c.rev > since) stream.push(JSON.stringify(c));
      },
      cancel: () => {
        open = false;
        this.cancelled++;
        this.streams.delete(stream);
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
  }
}

function error(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}
