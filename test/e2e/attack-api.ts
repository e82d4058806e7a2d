// Helpers of the attack suite for the control plane's and the agent's HTTP surfaces: a raw API call with any
// bearer token (or none) whose answer is recorded for the secret scan, a counter read from the control plane's
// /metrics, a raw call on an agent's local socket, and a connect to that socket as the unprivileged user nobody.

import { join } from 'node:path';
import type { HttpResponse } from '../../src/client/http.ts';
import { unixFetch } from '../../src/client/unix-fetch.ts';
import type { LabNode } from '../../src/lab/plan.ts';
import { run } from '../../src/runtime/exec.ts';
import { type Recorded, recordingFetch } from './attack-support.ts';

/** One HTTP answer: its status, text, JSON body (undefined when not JSON) and the API error code, if any. */
export interface Answer {
  status: number;
  text: string;
  body: unknown;
  code: string | undefined;
}

async function answerOf(res: HttpResponse): Promise<Answer> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return { status: res.status, text, body, code: typeof code === 'string' ? code : undefined };
}

const init = (method: string, token: string | undefined, body: unknown): RequestInit => ({
  method,
  headers: {
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** A request to the API with `token` as the bearer token (none when undefined). */
export type RawApi = (
  method: string,
  path: string,
  o?: { token?: string; body?: unknown },
) => Promise<Answer>;

/** Raw calls over the lab's API socket; every answer lands in `into` (for the secret scan). */
export function rawApi(apiSocketUrl: string, into: Recorded[]): RawApi {
  const f = recordingFetch(apiSocketUrl, into);
  return async (method, path, o = {}) =>
    answerOf(await f(`${apiSocketUrl}${path}`, init(method, o.token, o.body)));
}

/**
 * The value of metric `name` in Prometheus text `text`, summed over the series whose labels include `labels`;
 * 0 when there is none (a labelled counter has no series before its first increment).
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

/** The local socket of a lab host's agent (`sixpn agent --lab`: `<state dir>/agent.sock`). */
export const agentSocketOf = (n: LabNode) => join(n.stateDir, 'agent.sock');

/** A raw request on the agent socket at `path` (no token: the socket's permissions are the authentication). */
export async function socketCall(path: string, method: string, url: string, body?: unknown): Promise<Answer> {
  return answerOf(await unixFetch(path)(`unix:${path}${url}`, init(method, undefined, body)));
}

/** Node: connects to the unix socket at argv[1]; prints `connected`, or the error's code. */
const CONNECT = `
const s = require('net').connect(process.argv[1]);
s.on('connect', () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;

/** Connects to the unix socket `path` as root, or (`nobody`) as uid/gid 65534 with no groups: what it printed. */
export async function connectUnix(path: string, as: 'root' | 'nobody'): Promise<string> {
  const node = [process.execPath, '-e', CONNECT, path];
  const [cmd, args] =
    as === 'root'
      ? [node[0] as string, node.slice(1)]
      : ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...node]];
  return (await run(cmd, args, { timeoutMs: 10_000 })).stdout.trim();
}
