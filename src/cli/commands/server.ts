// `sixpn server`: runs the control plane (API + store) until SIGINT/SIGTERM. The heavy modules load only here.

import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ServerOptions } from '../../control/main.ts';
import { invalid, isSixpnError, SixpnError } from '../../core/errors.ts';
import { parseRetention } from '../../core/usage/query.ts';
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
    .option('--tls-cert <file>', 'serve HTTPS with this certificate chain (PEM; read again on SIGHUP)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option(
      '--hostname <name>',
      "a name or address for the control plane's own certificate (repeat; default: the listen address and this machine's hostname)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--usage-retention <tables>',
      'how long usage is kept per bucket table, e.g. minute=2d,hour=90d,day=730d,reports=7d',
    )
    .option(
      '--insecure-http',
      'serve plain HTTP even on an address other machines reach (a TLS proxy in front)',
    )
    .addHelpText(
      'after',
      '\nSIXPN_ADMIN_TOKEN sets the admin token; otherwise one is created at first start and printed once.\n' +
        'HTTPS: with --tls-cert/--tls-key the given certificate; otherwise, on an address that is not loopback (or\n' +
        'with --hostname), the control plane makes its own CA in tls/ beside the database and prints its\n' +
        'fingerprint for clients to pin (SIXPN_CA_FINGERPRINT, `sixpn login`). Loopback serves plain HTTP.',
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
            ...(o.usageRetention ? { usageRetention: parseRetention(o.usageRetention) } : {}),
            ...tlsOptions(o, ctx.io.cwd),
          });
        } catch (e) {
          throw startError(e, o.listen, o.db);
        }
        ctx.io.stderr(`sixpn server: listening on ${srv.url} (db ${redactDb(o.db)}, prefix ${o.prefix})\n`);
        if (srv.caFingerprint) ctx.io.stderr(`CA fingerprint (pin it on clients): ${srv.caFingerprint}\n`);
        if (o.insecureHttp && srv.url.startsWith('http:')) {
          ctx.io.stderr(
            'warning: serving plain HTTP (--insecure-http): tokens cross the network in cleartext\n',
          );
        }
        if (srv.adminToken) ctx.io.stderr(`admin token (shown once): ${srv.adminToken}\n`);
        await srv.done;
        ctx.io.stderr('sixpn server: stopped\n');
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
};

interface TlsFlags {
  db: string;
  listen: string;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  hostname?: string[] | undefined;
  insecureHttp?: true | undefined;
}

/** The server's TLS from its flags: the user's files, its own CA (off loopback, or with --hostname), or none. */
export function tlsOptions(o: TlsFlags, cwd: string): Pick<ServerOptions, 'tls' | 'insecureHttp'> {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
    throw invalid(
      '--tls-cert and --tls-key go together: give both, or neither for the control plane’s own CA',
    );
  }
  if (o.tlsCert !== undefined && o.tlsKey !== undefined) {
    return { tls: { kind: 'files', certFile: resolve(cwd, o.tlsCert), keyFile: resolve(cwd, o.tlsKey) } };
  }
  if (o.insecureHttp) return { insecureHttp: true };
  const { host } = parseListenHost(o.listen);
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (loopback && o.hostname === undefined) return {};
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const names = o.hostname ?? [...(wildcard ? [] : [host]), hostname()];
  const dbDir = o.db.startsWith('sqlite:') ? dirname(resolve(cwd, o.db.slice('sqlite:'.length))) : cwd;
  return { tls: { kind: 'auto', dir: join(dbDir, 'tls'), names } };
}

/** The host part of `HOST:PORT` / `[V6]:PORT` (the port is checked by the server). */
function parseListenHost(listen: string): { host: string } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):\d+$/.exec(listen);
  return { host: m?.[1] ?? m?.[2] ?? listen };
}

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
