// How `sixpn agent` / `sixpn gateway` find their settings: flags first, then the config `… join` wrote
// (`--config-dir`, default /etc/sixpn); and their connection: --api/--token or SIXPN_API_URL/SIXPN_TOKEN when
// given, else the config's URL, CA pin and token file (read again when it changes).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FetchLike, TokenSource } from '../client/http.ts';
import type { ClientTrust } from '../client/tls-trust.ts';
import { type DaemonConfig, parseDaemonConfig } from '../core/daemon-config.ts';
import { SixpnError } from '../core/errors.ts';
import { parseFingerprint } from '../core/fingerprint.ts';
import { tokenFromFile } from '../runtime/token-file.ts';
import { requireToken } from './connection.ts';
import type { CliContext } from './context.ts';

export type JoinRole = 'agent' | 'gateway';

export const DEFAULT_CONFIG_DIR = '/etc/sixpn';

/** Where a role's config and token live in `dir`. */
export const configFiles = (dir: string, role: JoinRole) => ({
  config: join(dir, `${role}.toml`),
  token: join(dir, `${role}.token`),
});

/** The config in `dir`, or undefined when there is none and `required` is false. */
export async function loadDaemonConfig(
  dir: string,
  role: JoinRole,
  required: boolean,
): Promise<DaemonConfig | undefined> {
  const path = configFiles(dir, role).config;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !required) return undefined;
    throw new SixpnError(
      'failed_precondition',
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}): join first with \`sixpn ${role} join URL\`, or pass the flags`,
    );
  }
  return parseDaemonConfig(text, path);
}

/** Flag value when the user gave it, else the config's, else the flag's default. */
export function pick<T>(given: boolean, flag: T, fromConfig: T | undefined): T {
  return given || fromConfig === undefined ? flag : fromConfig;
}

/**
 * Daemons never take a token on their command line (`ps` and /proc/PID/cmdline show it to every user): only the
 * interactive CLI's `--token` does.
 */
export function refuseArgvToken(ctx: CliContext, role: JoinRole | 'dns'): void {
  if (ctx.globals.token === undefined) return;
  throw new SixpnError(
    'invalid_argument',
    `sixpn ${role} takes no --token on its command line (every user can read a process's argv); give it ${role === 'dns' ? '' : `the token file \`sixpn ${role} join\` writes, or `}SIXPN_TOKEN from a 0600 environment file`,
    { details: { field: 'token' } },
  );
}

export interface DaemonConnection {
  api: string;
  token: TokenSource;
  fetch?: FetchLike;
}

/** The connection of an agent or gateway (see the file comment). */
export async function daemonConnection(
  ctx: CliContext,
  cfg: DaemonConfig | undefined,
  role: JoinRole,
): Promise<DaemonConnection> {
  const env = ctx.io.env;
  refuseArgvToken(ctx, role);
  const apiGiven = Boolean(ctx.globals.api || env.SIXPN_API_URL);
  if (cfg === undefined || apiGiven) {
    const conn = await ctx.connection();
    return { api: conn.api, token: requireToken(conn), ...(await ctx.apiFetch()) };
  }
  const token = env.SIXPN_TOKEN ? env.SIXPN_TOKEN : tokenFromFile(cfg.token_file);
  if (ctx.io.fetch) return { api: cfg.api, token, fetch: ctx.io.fetch };
  if (!cfg.api.includes('https:')) return { api: cfg.api, token };
  const trust: ClientTrust = cfg.ca_fingerprint
    ? { fingerprint: parseFingerprint(cfg.ca_fingerprint, 'ca_fingerprint'), pinFrom: 'the config' }
    : cfg.ca_file
      ? { ca: await readFile(cfg.ca_file, 'utf8') }
      : {};
  const [{ fetchForBaseUrls }, { parseBaseUrls }] = await Promise.all([
    import('../client/unix-fetch.ts'),
    import('../client/endpoints.ts'),
  ]);
  return { api: cfg.api, token, fetch: fetchForBaseUrls(parseBaseUrls(cfg.api), trust) };
}
