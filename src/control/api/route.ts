// The shape of one API route: method, path, who may call it, its schemas and its handler. The route table built
// from these drives routing, authorization, validation and the OpenAPI document alike.

import type { z } from 'zod';
import type { Fingerprint } from '../../core/fingerprint.ts';
import type { TokenKind } from '../../core/model.ts';
import type { UsageRetention } from '../../core/usage/query.ts';
import type { Logger } from '../../lib/log.ts';
import type { Principal } from '../auth.ts';
import type { ControlMetrics } from '../metrics.ts';
import type { KeyedResult, KeyedWrite, Store } from '../store/store.ts';
import type { WatchHub } from '../watch-hub.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Deps {
  store: Store;
  hub: WatchHub;
  logger: Logger;
  now: () => Date;
  /** The SHA-256 of the CA the served certificate chain ends in (join tokens carry it); undefined: none known. */
  caFingerprint?: () => Fingerprint | undefined;
  /** The control plane's metrics, when it keeps them (routes count what they refuse). */
  metrics?: ControlMetrics | undefined;
  /** How long usage buckets are kept (default: DEFAULT_RETENTION of core/usage/query.ts). */
  usageRetention?: UsageRetention;
  /** Told the outcome of each usage report (metrics). */
  usageReported?: (result: 'applied' | 'duplicate' | 'rejected') => void;
}

export interface Ctx<P, Q, B> {
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  deps: Deps;
  req: Request;
  /** Whether the caller's token still authenticates now (revoked, rotated or expired since: false). Streams ask. */
  stillValid: () => Promise<boolean>;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Hono-style path, e.g. `/v1/orgs/:org`. */
  path: string;
  summary: string;
  tag: string;
  /** Token kinds that may call this route at all; any other kind gets 403. Finer checks live in the handler. */
  allow: readonly TokenKind[];
  params?: z.core.$ZodType<P>;
  query?: z.core.$ZodType<Q>;
  body?: z.core.$ZodType<B>;
  /** Schema of the success body, for the OpenAPI document. */
  response?: z.core.$ZodType;
  /** Success status: 200 by default; 201 for creations; 204 means the handler's value is not sent. */
  status?: 200 | 201 | 204;
  /**
   * `none`: no bearer token is looked at (the join exchange, which a join token in the body authenticates); the
   * handler gets {@link ANONYMOUS} as its principal. Default `token`.
   */
  auth?: 'token' | 'none';
  /**
   * The success body carries a secret shown once (a token): an Idempotency-Key repeat never gets it again, since
   * the answer is not kept; the repeat is refused with 409 instead, naming what to do.
   */
  secretAnswer?: boolean;
  /** The route revokes tokens (like every DELETE): the token cache is cleared after it succeeds. */
  revokes?: boolean;
  /** For streaming routes the handler returns a Response itself. */
  stream?: boolean;
  handle(ctx: Ctx<P, Q, B>): Promise<unknown>;
  /**
   * A create sent with an Idempotency-Key: the write that keeps the key's answer in the create's own commit
   * (`KeyedWrite`), in place of a claim before `handle` and a finish after. Undefined (or none given) for this
   * caller: the general path. Only for creates that answer `status` with the made object's JSON.
   */
  keyed?(ctx: Ctx<P, Q, B>): ((k: KeyedWrite) => Promise<KeyedResult<unknown>>) | undefined;
}

/** Identity helper that infers a route's parameter, query and body types from its schemas. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

export const ALL_KINDS: readonly TokenKind[] = ['admin', 'org', 'peer', 'host', 'gateway'];
export const ADMIN: readonly TokenKind[] = ['admin'];
export const ORG_USERS: readonly TokenKind[] = ['admin', 'org'];
export const PEER_USERS: readonly TokenKind[] = ['admin', 'org', 'peer'];

/** The principal of `auth: 'none'` routes: the least a token can be (a peer token of no org), never checked. */
export const ANONYMOUS: Principal = {
  tokenId: '',
  kind: 'peer',
  name: 'anonymous',
  org: '',
  network: '',
  host: null,
  expiresAt: null,
};
