// The body of `sixpn lab serve-control` (hidden): the lab's control plane process, run by `lab up` inside the
// underlay namespace. SQLite in the lab dir, HTTPS with its own CA for agents, the unix socket for the CLI; stops on SIGTERM.

import { join } from 'node:path';
import { parseListen, runServer } from '../control/main.ts';
import { createLogger } from '../lib/log.ts';
import { labTls } from './control.ts';

export async function serveLabControl(o: { dir: string; listen: string; adminToken: string }): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const srv = await runServer({
      db: `sqlite:${join(o.dir, 'control.db')}`,
      listen: o.listen,
      unixSocket: join(o.dir, 'api.sock'),
      adminToken: o.adminToken,
      tls: labTls(o.dir, parseListen(o.listen).host),
      logger: createLogger(),
      signal: abort.signal,
    });
    await srv.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
