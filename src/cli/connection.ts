// Which control plane and token a command uses: `--api`/`--token` flags, then SIXPN_API_URL/SIXPN_TOKEN, then the
// login file. The login file's token is only sent to the login file's own URL. Pure.

import { join } from 'node:path';
import { SixpnError } from '../core/errors.ts';
import type { LoginFile } from './config-file.ts';
import { parseApiUrl } from './flags.ts';

export const DEFAULT_API = 'http://127.0.0.1:4280';

export type Source = 'flag' | 'env' | 'file' | 'default';

export interface ConnectionInput {
  flags: { api?: string | undefined; token?: string | undefined; ca?: string | undefined };
  env: Record<string, string | undefined>;
  file: LoginFile | undefined;
}

export interface Connection {
  api: string;
  apiFrom: Source;
  token: string | undefined;
  tokenFrom: Exclude<Source, 'default'> | undefined;
  /** The token's org when the login file said so (saves a whoami). */
  fileOrg: string | null | undefined;
  /** A CA file to verify https with (`--ca`, else SIXPN_CA). */
  caFile: string | undefined;
  /** A pinned CA fingerprint (SIXPN_CA_FINGERPRINT, else the login file's for its own URL) and where it came from. */
  pin: { fingerprint: string; from: string } | undefined;
}

/** Where https trust comes from: `--ca`/SIXPN_CA, and a pin from SIXPN_CA_FINGERPRINT or the login file. */
function trustOf({ flags, env, file }: ConnectionInput, api: string): Pick<Connection, 'caFile' | 'pin'> {
  const caFile = nonEmpty(flags.ca) ?? nonEmpty(env.SIXPN_CA);
  const envPin = nonEmpty(env.SIXPN_CA_FINGERPRINT);
  const filePin = file?.ca_fingerprint && sameApi(file.api, api) ? file.ca_fingerprint : undefined;
  const pin = envPin
    ? { fingerprint: envPin, from: 'SIXPN_CA_FINGERPRINT' }
    : filePin
      ? { fingerprint: filePin, from: 'the login file' }
      : undefined;
  return { caFile, pin };
}

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

export function resolveConnection(input: ConnectionInput): Connection {
  const c = resolveApiToken(input);
  return { ...c, ...trustOf(input, c.api) };
}

function resolveApiToken({ flags, env, file }: ConnectionInput): Omit<Connection, 'caFile' | 'pin'> {
  let api: string;
  let apiFrom: Source;
  const flagApi = nonEmpty(flags.api);
  const envApi = nonEmpty(env.SIXPN_API_URL);
  if (flagApi !== undefined) [api, apiFrom] = [parseApiUrl(flagApi, '--api'), 'flag'];
  else if (envApi !== undefined) [api, apiFrom] = [parseApiUrl(envApi, 'SIXPN_API_URL'), 'env'];
  else if (file) [api, apiFrom] = [parseApiUrl(file.api, 'the login file api'), 'file'];
  else [api, apiFrom] = [DEFAULT_API, 'default'];

  const flagToken = nonEmpty(flags.token);
  const envToken = nonEmpty(env.SIXPN_TOKEN);
  if (flagToken !== undefined)
    return { api, apiFrom, token: flagToken, tokenFrom: 'flag', fileOrg: undefined };
  if (envToken !== undefined) return { api, apiFrom, token: envToken, tokenFrom: 'env', fileOrg: undefined };
  if (file && sameApi(file.api, api))
    return { api, apiFrom, token: file.token, tokenFrom: 'file', fileOrg: file.org };
  return { api, apiFrom, token: undefined, tokenFrom: undefined, fileOrg: undefined };
}

function sameApi(a: string, b: string): boolean {
  try {
    return parseApiUrl(a) === parseApiUrl(b);
  } catch {
    return false;
  }
}

/** The token, or an `unauthenticated` error that says the three ways to give one. */
export function requireToken(c: Connection): string {
  if (c.token !== undefined) return c.token;
  throw new SixpnError(
    'unauthenticated',
    `no API token for ${c.api}: run \`sixpn login --api ${c.api}\`, set SIXPN_TOKEN, or pass --token`,
  );
}

/** `$SIXPN_CONFIG`, else `~/.config/sixpn/config.json`. */
export function loginFilePath(env: Record<string, string | undefined>, home: string): string {
  return env.SIXPN_CONFIG || join(home, '.config', 'sixpn', 'config.json');
}
