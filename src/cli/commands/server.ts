// `sixpn server`: runs the control plane (API + store) until SIGINT/SIGTERM. The heavy modules load only here.

import { isSixpnError, SixpnError } from '../../core/errors.ts';
import { dbUrl, prefix } from '../flags.ts';
import type { CommandGroup } from '../run.ts';

/** The database URL without a password, for printing. */
export const redactDb = (db: string) => db.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');

export const registerServer: CommandGroup = (program, ctx) => {
  program
    .command('server')
    .description('run the control plane: the HTTP API and the store (stops on SIGINT/SIGTERM)')
    .option('--db <url>', 'sqlite:PATH or postgres://USER@HOST/DB', dbUrl, 'sqlite:./sixpn.db')
    .option('--listen <addr>', 'HOST:PORT or [IPv6]:PORT to serve the API on', '127.0.0.1:4280')
    .option('--prefix <cidr>', 'the deployment /16 inside fc00::/7', prefix, 'fdaa::/16')
    .addHelpText(
      'after',
      '\nSIXPN_ADMIN_TOKEN sets the admin token; otherwise one is created at first start and printed once.',
    )
    .action(async (o) => {
      const [{ runServer }, { createLogger }] = await Promise.all([
        import('../../control/main.ts'),
        import('../../lib/log.ts'),
      ]);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const adminToken = ctx.io.env.SIXPN_ADMIN_TOKEN?.trim() || undefined;
        let srv: Awaited<ReturnType<typeof runServer>>;
        try {
          srv = await runServer({
            db: o.db,
            listen: o.listen,
            prefix: o.prefix,
            logger: createLogger(),
            signal: abort.signal,
            ...(adminToken ? { adminToken } : {}),
          });
        } catch (e) {
          throw startError(e, o.listen, o.db);
        }
        ctx.io.stderr(`sixpn server: listening on ${srv.url} (db ${redactDb(o.db)}, prefix ${o.prefix})\n`);
        if (srv.adminToken) ctx.io.stderr(`admin token (shown once): ${srv.adminToken}\n`);
        await srv.done;
        ctx.io.stderr('sixpn server: stopped\n');
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
};

/** A failure to start as one clear error: the port, the database, or what the server said. */
function startError(e: unknown, listen: string, db: string): unknown {
  if (isSixpnError(e)) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new SixpnError(
      'unavailable',
      `cannot listen on ${listen}: the address is in use; is another sixpn server running? pick another with --listen`,
      { cause: e },
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new SixpnError('unavailable', `cannot listen on ${listen}: ${(e as Error).message}`, { cause: e });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'SQLITE_CANTOPEN') {
    return new SixpnError(
      'unavailable',
      `cannot open the database ${redactDb(db)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return e;
}
