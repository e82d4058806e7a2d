// The fetches of the client's transports, all over node:http(s) (node-fetch.ts) so the CLI and the agent never
// load undici (the global fetch's engine, ~20 ms of start-up and ~8 MB RSS): `http://` base URLs, `unix:/path/to.sock`
// base URLs (the lab's control plane listens inside a namespace and reaches the CLI through /run/sixpn-lab/api.sock),
// and `https://` through tls-trust.ts. Response bodies stream, so the watch stream works over each.

import type { FetchLike } from './http.ts';
import { nodeRequest, targetOf } from './node-fetch.ts';
import type { ClientTrust } from './tls-trust.ts';

/** True for base URLs like `unix:/run/sixpn-lab/api.sock`. */
export const isUnixUrl = (url: string) => url.startsWith('unix:/');

/** The socket path of a `unix:` base URL. */
export const socketPathOf = (baseUrl: string) => baseUrl.slice('unix:'.length).replace(/\/+$/, '');

/**
 * A fetch that sends every request to the unix socket `socketPath`. Request URLs are the base URL
 * `unix:<socketPath>` followed by the path and query (what Http.url builds); plain `http://…` URLs are sent
 * there by their path too. Honours `init.signal` (aborting also ends a streaming body).
 */
export function unixFetch(socketPath: string): FetchLike {
  const prefix = `unix:${socketPath}`;
  return (input, init) => {
    const path = input.startsWith(prefix)
      ? input.slice(prefix.length) || '/'
      : (() => {
          const u = new URL(input);
          return `${u.pathname}${u.search}`;
        })();
    return nodeRequest({ socketPath, path, headers: { host: 'localhost' } }, init);
  };
}

/**
 * A fetch over node:http for `http://` URLs (its global agent keeps connections alive). A refused or reset
 * connection rejects with node's error (its `code` on the error itself, where undici's fetch puts it on `cause`).
 */
export const httpFetch: FetchLike = (input, init) => {
  return nodeRequest(targetOf(new URL(input), 80), init);
};

/**
 * The fetch for a base URL: {@link unixFetch} for `unix:` URLs, node:https with `trust` ({@link lazyHttpsFetch}) (system CAs when empty)
 * for `https:`, {@link httpFetch} otherwise.
 */
export function fetchForBaseUrl(baseUrl: string, trust: ClientTrust = {}): FetchLike {
  if (isUnixUrl(baseUrl)) return unixFetch(socketPathOf(baseUrl));
  if (baseUrl.startsWith('https:')) return lazyHttpsFetch(trust);
  return httpFetch;
}

/** One fetch for every URL of a replica list (`a,b`), each sent the way {@link fetchForBaseUrl} sends it. */
export function fetchForBaseUrls(baseUrls: readonly string[], trust: ClientTrust = {}): FetchLike {
  const https = lazyHttpsFetch(trust);
  const byBase = baseUrls.map(
    (b) => [b, b.startsWith('https:') ? https : fetchForBaseUrl(b, trust)] as const,
  );
  return (input, init) => {
    const f =
      byBase.find(([b]) => input.startsWith(b))?.[1] ?? (input.startsWith('https:') ? https : httpFetch);
    return f(input, init);
  };
}

/** tls-trust's `httpsFetch` with `trust`, its module (node:https, node:tls) loaded at the first https request. */
export function lazyHttpsFetch(trust: ClientTrust): FetchLike {
  let made: Promise<FetchLike> | undefined;
  return async (input, init) => {
    made ??= import('./tls-trust.ts').then((m) => m.httpsFetch(trust));
    return (await made)(input, init);
  };
}
