// What every command gets: its I/O (injectable for tests), the resolved connection, an API client, the org to act
// in, the app's sixpn.toml, and the printers for human text and --json.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiClient } from '../client/api-client.ts';
import type { FetchLike } from '../client/http.ts';
import type { ClientTrust } from '../client/tls-trust.ts';
import type { AppConfig } from '../core/app-config.ts';
import { invalid } from '../core/errors.ts';
import { checkLabel } from '../core/names.ts';
import type { LoginFile } from './config-file.ts';
import { type Connection, loginFilePath, requireToken, resolveConnection } from './connection.ts';
import { type Column, formatJson, formatKeyValues, formatTable } from './output.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  /** Reads all of stdin when it is not a terminal; undefined when it is one. */
  readStdin: () => Promise<string | undefined>;
  /** Asks on the terminal without echo; undefined when there is no terminal. */
  promptSecret: (question: string) => Promise<string | undefined>;
  fetch?: FetchLike;
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw invalid(`cannot read the CA file ${path} (--ca or SIXPN_CA): ${(e as Error).message}`);
  }
}

export class CliContext {
  /** The root command's `--api` and `--token`, set before any action runs. */
  globals: { api?: string | undefined; token?: string | undefined; ca?: string | undefined } = {};
  /** Set by a command whose exit code is another program's (`sixpn lab exec`); the CLI exits with it. */
  exitCode: number | undefined;
  private conn: Promise<Connection> | undefined;
  private appConfig: Promise<AppConfig | undefined> | undefined;

  constructor(readonly io: CliIo) {}

  get loginFilePath(): string {
    return loginFilePath(this.io.env, this.io.home);
  }

  async readLoginFile(): Promise<LoginFile | undefined> {
    const { readLoginFile } = await import('./config-file.ts'); // loaded on use: it pulls in zod (start-up)
    return readLoginFile(this.loginFilePath);
  }

  /** The control plane and token by precedence: flags > env > login file. */
  connection(): Promise<Connection> {
    this.conn ??= (async () => {
      const env = this.io.env;
      // The login file only matters when a flag or env var does not already give the token.
      const needFile = !(this.globals.token || env.SIXPN_TOKEN) || !(this.globals.api || env.SIXPN_API_URL);
      const file = needFile ? await this.readLoginFile() : undefined;
      return resolveConnection({ flags: this.globals, env, file });
    })();
    return this.conn;
  }

  /** An API client with a token; throws `unauthenticated` with the ways to get one when there is none. */
  async client(): Promise<ApiClient> {
    const c = await this.connection();
    const { ApiClient } = await import('../client/api-client.ts'); // loaded on use: it pulls in zod (start-up)
    return new ApiClient({
      baseUrl: c.api,
      token: requireToken(c),
      tls: await this.trust(),
      ...(this.io.fetch ? { fetch: this.io.fetch } : {}),
    });
  }

  /** How https is verified: the CA file (`--ca`, SIXPN_CA) and the pinned fingerprint of the connection. */
  async trust(): Promise<ClientTrust> {
    const c = await this.connection();
    if (!c.api.includes('https:')) return {}; // a CA or pin says nothing about plain HTTP or a unix socket
    const ca = c.caFile === undefined ? undefined : await readCaFile(c.caFile);
    const { parseFingerprint } = await import('../core/fingerprint.ts');
    const pin = c.pin && parseFingerprint(c.pin.fingerprint, c.pin.from);
    return { ...(ca ? { ca } : {}), ...(pin ? { fingerprint: pin, pinFrom: c.pin?.from } : {}) };
  }

  /** The fetch for components that take one (agent, gateway): every URL of the connection with its trust. */
  async apiFetch(): Promise<{ fetch?: FetchLike }> {
    if (this.io.fetch) return { fetch: this.io.fetch };
    const c = await this.connection();
    if (!c.api.includes('https:')) return {};
    const [{ fetchForBaseUrls }, { parseBaseUrls }] = await Promise.all([
      import('../client/unix-fetch.ts'),
      import('../client/endpoints.ts'),
    ]);
    return { fetch: fetchForBaseUrls(parseBaseUrls(c.api), await this.trust()) };
  }

  /** `sixpn.toml` of the current folder, parsed; undefined when there is none. */
  readAppConfig(): Promise<AppConfig | undefined> {
    this.appConfig ??= (async () => {
      const path = join(this.io.cwd, 'sixpn.toml');
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw invalid(`cannot read ${path}: ${(e as Error).message}`);
      }
      const { parseAppConfig } = await import('../core/app-config.ts');
      return parseAppConfig(text, 'sixpn.toml');
    })();
    return this.appConfig;
  }

  /**
   * The org a command acts in: `--org`, else the org of an org-scoped token (login file or whoami), else `org`
   * in sixpn.toml. Throws a clear error naming all three when none applies.
   */
  async org(flag: string | undefined): Promise<string> {
    if (flag !== undefined) return flag;
    const conn = await this.connection();
    if (conn.fileOrg) return conn.fileOrg;
    if (conn.tokenFrom !== 'file' && conn.token !== undefined) {
      const me = await (await this.client()).whoami();
      if (me.org) return me.org;
    }
    const cfg = await this.readAppConfig();
    if (cfg?.org) return cfg.org;
    throw invalid('no org given: pass --org ORG, use an org token, or set org = "…" in sixpn.toml', {
      field: 'org',
    });
  }

  /** Like {@link org} but never asks the server and may give nothing (for list filters). */
  async orgFilter(flag: string | undefined): Promise<string | undefined> {
    if (flag !== undefined) return checkLabel('org name', flag);
    return (await this.readAppConfig())?.org;
  }

  out(text: string): void {
    this.io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }

  json(v: unknown): void {
    this.io.stdout(formatJson(v));
  }

  /** A list: JSON array with --json, aligned columns otherwise. */
  list<T>(rows: readonly T[], json: boolean | undefined, columns: readonly Column<T>[]): void {
    if (json) this.json(rows);
    else this.io.stdout(formatTable(columns, rows));
  }

  /** One object: JSON with --json, `key: value` lines otherwise. */
  show(obj: Record<string, unknown>, json: boolean | undefined): void {
    if (json) this.json(obj);
    else this.io.stdout(formatKeyValues(obj));
  }
}
