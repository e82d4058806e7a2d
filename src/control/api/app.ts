// The control plane's HTTP API as a Hono app: `fetch(Request) → Response`, so tests need no port.
// One route table drives routing, authorization, validation and the OpenAPI document.

import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { httpStatusOf, isSixpnError, SixpnError } from '../../core/errors.ts';
import {
  bearerSecret,
  checkExpiry,
  hashSecret,
  type Principal,
  principalOf,
  unauthenticated,
} from '../auth.ts';
import { consoleRoutes } from '../console/routes.tsx';
import { sessionAuth } from '../console/session.ts';
import type { ControlMetrics } from '../metrics.ts';
import { unavailableIfConnection } from '../store/db-errors.ts';
import { TokenCache } from '../token-cache.ts';
import { idempotencyKeyOf, idempotencyRecord, idempotent, idempotentWrite } from './idempotency.ts';
import { openApiDocument } from './openapi.ts';
import { ANONYMOUS, type Ctx, type Deps, type RouteSpec } from './route.ts';
import { appRoutes } from './routes-apps.ts';
import { checkRoutes } from './routes-checks.ts';
import { fleetRoutes } from './routes-fleet.ts';
import { grantRoutes } from './routes-grants.ts';
import { joinRoutes } from './routes-join.ts';
import { orgRoutes } from './routes-orgs.ts';
import { peerRoutes } from './routes-peers.ts';
import { stateRoutes } from './routes-state.ts';
import { tokenRoutes } from './routes-tokens.ts';
import { usageRoutes } from './routes-usage.ts';
import { PRIVATE_KEY_FIELDS } from './schemas.ts';

/** Every route of the API. The authorization matrix test walks this list, so a new route cannot be missed. */
export const routeTable: readonly RouteSpec[] = [
  ...stateRoutes,
  ...orgRoutes,
  ...fleetRoutes,
  ...grantRoutes,
  ...appRoutes,
  ...checkRoutes,
  ...peerRoutes,
  ...tokenRoutes,
  ...joinRoutes,
  ...usageRoutes,
];

export const MAX_BODY_BYTES = 64 * 1024;

/** How long /readyz waits for the store before it answers 503. */
const READY_TIMEOUT_MS = 2000;

/** `p`, or an `unavailable` error naming the database after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SixpnError('unavailable', `the control plane's database did not answer within ${ms / 1000}s`),
        ),
      ms,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Turns a zod error into one sentence naming the field: `field 'lat': expected a number`. */
export function describeZodError(where: string, err: z.ZodError): SixpnError {
  const issue = err.issues[0];
  const path = issue?.path.join('.') ?? '';
  let msg = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    return new SixpnError(
      'invalid_argument',
      `${where}: unknown field ${keys.map((k) => `'${k}'`).join(', ')}`,
      {
        details: { field: keys[0] ?? '' },
      },
    );
  }
  // A rule of src/core already names the field and the value in its message.
  if (issue?.code === 'custom' && issue.params?.ruled === true) {
    return new SixpnError('invalid_argument', `${where}: ${msg}`, { details: { field: path } });
  }
  if (/^Invalid input: expected \w+, received undefined$/.test(msg)) msg = 'is required';
  const field = path === '' ? where : `${where} field '${path}'`;
  return new SixpnError('invalid_argument', `${field}: ${msg}`, { details: { field: path } });
}

/** One decoder for every body: decoding without `stream` keeps no state between calls (UTF-8, BOM dropped). */
const utf8 = new TextDecoder();

async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const buf = await req.arrayBuffer();
  if (buf.byteLength > MAX_BODY_BYTES) throw tooLarge();
  const text = utf8.decode(buf);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SixpnError('invalid_argument', `request body is not valid JSON: ${(err as Error).message}`, {
      details: { field: 'body' },
    });
  }
}

const tooLarge = () =>
  new SixpnError('payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`, {
    details: { field: 'body' },
  });

function refusePrivateKeys(body: unknown): void {
  if (body === null || typeof body !== 'object') return;
  for (const f of PRIVATE_KEY_FIELDS) {
    if (Object.hasOwn(body, f)) {
      throw new SixpnError(
        'invalid_argument',
        `field '${f}': private keys never leave the machine that made them; send only public_key`,
        { details: { field: f } },
      );
    }
  }
}

function parse<T>(schema: z.core.$ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const r = z.safeParse(schema, value);
  if (!r.success) throw describeZodError(where, r.error);
  return r.data;
}

export function errorBody(err: SixpnError) {
  return {
    error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
  };
}

async function authenticate(req: Request, deps: Deps, tokens: TokenCache): Promise<Principal> {
  // The console's session cookie stands in for the bearer token (writes also need its CSRF token).
  if (!req.headers.has('authorization')) {
    const session = await sessionAuth(req, deps.store, tokens, deps.now());
    if (session) return session.principal;
  }
  const secret = bearerSecret(req.headers.get('authorization') ?? undefined);
  if (secret === undefined) throw unauthenticated('no bearer token in the Authorization header');
  const rec = await tokens.get(hashSecret(secret));
  if (!rec)
    throw unauthenticated('the token is not valid (revoked, mistyped, or from another control plane)');
  const p = principalOf(rec);
  checkExpiry(p, deps.now());
  return p;
}

/** The routes without a token: liveness, readiness, the OpenAPI document and metrics. */
function addProbes(app: Hono, deps: Deps, metrics?: ControlMetrics): void {
  // liveness: the process answers; readiness: it can serve, so its store answers (what a load balancer probes)
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', async (c) => {
    try {
      await withTimeout(deps.store.headRevision(), READY_TIMEOUT_MS);
      return c.text('ready');
    } catch (e) {
      const err = unavailableIfConnection(e);
      if (!isSixpnError(err)) deps.logger.warn({ err }, 'readiness check failed');
      const out = isSixpnError(err)
        ? err
        : new SixpnError('unavailable', "the control plane's database does not answer; see the server's log");
      return c.json(errorBody(out), 503);
    }
  });
  app.get('/v1/openapi.json', (c) => c.json(openApiDocument(routeTable)));
  if (metrics) {
    app.get('/metrics', async (c) =>
      c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
    );
  }
}

/** Errors as the API's JSON: a SixpnError with its status, anything else a logged 500; unknown routes 404. */
function addErrorHandlers(app: Hono, deps: Deps): void {
  app.onError((err, c) => {
    if (isSixpnError(err)) return c.json(errorBody(err), httpStatusOf(err.code) as 400);
    deps.logger.error({ err, path: c.req.path }, 'api handler failed');
    return c.json(errorBody(new SixpnError('internal', 'internal error; see the control plane log')), 500);
  });
  app.notFound((c) =>
    c.json(
      errorBody(new SixpnError('not_found', `no route ${c.req.method} ${c.req.path}; see /v1/openapi.json`)),
      404,
    ),
  );
}

/** The request body: JSON of at most MAX_BODY_BYTES, without private keys, parsed with `schema`. */
async function bodyOf(schema: z.core.$ZodType, req: Request): Promise<unknown> {
  const raw = await readJson(req);
  refusePrivateKeys(raw);
  return parse(schema, raw, 'body');
}

/**
 * Runs an authorized request's handler and makes its answer; a create sent with an Idempotency-Key runs once per
 * key (idempotency.ts). `revoked` clears the token cache (after a DELETE or a route that revokes tokens).
 */
async function serve(
  spec: RouteSpec,
  ctx: Ctx<unknown, unknown, unknown>,
  c: Context,
  revoked: () => void,
  metrics: ControlMetrics | undefined,
): Promise<Response> {
  const respond = async (): Promise<Response> => {
    const out = await spec.handle(ctx);
    if (spec.stream) {
      metrics?.watchStreams.inc();
      return out as Response;
    }
    if (spec.method === 'delete' || spec.revokes) revoked();
    if (out instanceof Response) return out;
    if (spec.status === 204) return c.body(null, 204);
    return c.json(out as object, (spec.status ?? 200) as 200);
  };
  // Without a bearer token (the join exchange) there is no caller to scope a key to: no key is honoured.
  const key =
    spec.method === 'post' && !spec.stream && spec.auth !== 'none' ? idempotencyKeyOf(c.req.raw) : undefined;
  if (key === undefined) return respond();
  const rec = idempotencyRecord(ctx.principal.tokenId, spec.method, c.req.path, key, ctx.body);
  const keyed = spec.keyed?.(ctx);
  if (keyed) return idempotentWrite(rec, ctx.deps.now(), spec.status ?? 200, keyed);
  return idempotent(ctx.deps.store, rec, ctx.deps.now(), respond, { keepAnswer: !spec.secretAnswer });
}

/** Builds the API. `metrics` is optional so unit tests can skip them. */
export function createApi(given: Deps, metrics?: ControlMetrics): Hono {
  const deps: Deps = metrics && !given.metrics ? { ...given, metrics } : given;
  const app = new Hono();
  // Deleting a token, an org, a network or a host revokes tokens: any DELETE here clears the cache at once;
  // other replicas forget within the cache's TTL (token-cache.ts).
  const tokens = new TokenCache((hash) => deps.store.getTokenByHash(hash), {
    now: () => deps.now().getTime(),
  });

  addErrorHandlers(app, deps);
  addProbes(app, deps, metrics);

  for (const spec of routeTable) {
    app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      const started = performance.now();
      let status = 500;
      let caller: string | undefined;
      try {
        const open = spec.auth === 'none';
        const principal = open ? ANONYMOUS : await authenticate(c.req.raw, deps, tokens);
        caller = `${principal.kind} ${principal.name}`;
        if (!open && !spec.allow.includes(principal.kind)) {
          throw new SixpnError(
            'permission_denied',
            `a ${principal.kind} token cannot use ${spec.method.toUpperCase()} ${spec.path}`,
          );
        }
        const ctx: Ctx<unknown, unknown, unknown> = {
          principal,
          params: parse(spec.params, c.req.param(), 'path'),
          query: parse(spec.query, c.req.query(), 'query'),
          body: spec.body ? await bodyOf(spec.body, c.req.raw) : undefined,
          deps,
          req: c.req.raw,
          stillValid: () =>
            authenticate(c.req.raw, deps, tokens).then(
              () => true,
              () => false,
            ),
        };
        const res = await serve(spec, ctx, c, () => tokens.clear(), metrics);
        status = res.status;
        return res;
      } catch (err) {
        status = isSixpnError(err) ? httpStatusOf(err.code) : 500;
        throw err;
      } finally {
        // Never the headers or the body: the caller by token kind and name only.
        deps.logger.debug(
          {
            method: c.req.method,
            path: c.req.path,
            status,
            caller,
            ms: Math.round(performance.now() - started),
          },
          'api request',
        );
        metrics?.requests.inc({ route: spec.path, method: spec.method, status: String(status) });
        metrics?.latency.observe(
          { route: spec.path, method: spec.method },
          (performance.now() - started) / 1000,
        );
      }
    });
  }
  app.route('/', consoleRoutes(deps, tokens));
  return app;
}
