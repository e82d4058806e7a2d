// The agent's root-only unix socket (`/run/sixpn/agent.sock`, `--socket`): directory 0700, socket 0600, HTTP/1.1
// through node:http to handleSocket. A stale socket file of an earlier run is replaced; a live one (another agent
// listening) is an error.

import { chmod, mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { SixpnError } from '../core/errors.ts';
import type { Logger } from '../lib/log.ts';
import { nodeHttp } from '../lib/node-http.ts';
import {
  errorResponse,
  handleSocket,
  MAX_SOCKET_BODY,
  type SocketDeps,
  type SocketRequest,
} from './socket-api.ts';

function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function toRequest(req: IncomingMessage): Promise<SocketRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_SOCKET_BODY) throw new SixpnError('payload_too_large', 'the body is over 16 KiB');
    chunks.push(c);
  }
  const method = req.method ?? 'GET';
  // as fetch's Request: a GET or HEAD has no body; UTF-8 without a byte-order mark
  const body = method === 'GET' || method === 'HEAD' ? '' : new TextDecoder().decode(Buffer.concat(chunks));
  return { method, url: `http://agent${req.url ?? '/'}`, text: async () => body };
}

/** Serves the socket until `signal` aborts; resolves once it is closed and its file removed. */
export async function serveSocket(
  path: string,
  deps: SocketDeps,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await chmod(dirname(path), 0o700);
  if (await listening(path)) {
    throw new SixpnError(
      'failed_precondition',
      `another process listens on ${path}; is another agent running?`,
    );
  }
  await rm(path, { force: true });
  const server = nodeHttp.createServer((req, res) => {
    void (async () => {
      const response = await toRequest(req).then(
        (r) => handleSocket(r, deps),
        (e: unknown) => errorResponse(e),
      );
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    })().catch((e: unknown) => {
      log.warn({ err: String(e) }, 'socket request failed');
      res.destroy();
    });
  });
  // 0600 from the start: umask 177 for the bind, restored at once
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  await chmod(path, 0o600);
  log.info({ socket: path }, 'local socket listening');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  await rm(path, { force: true });
}
