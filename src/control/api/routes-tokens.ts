// Routes for API tokens: secrets are shown once at creation and stored only as hashes.

import { z } from 'zod';
import { SixpnError } from '../../core/errors.ts';
import { Token } from '../../core/model.ts';
import { checkOrgAccess, forbidden, hashSecret, newSecret, parseDuration } from '../auth.ts';
import { ORG_USERS, type RouteSpec, route } from './route.ts';
import { IdParam, TokenBody, TokenQuery } from './schemas.ts';

/** Peer-only tokens are for CI jobs: they expire after 30 days unless told otherwise. */
const DEFAULT_PEER_TOKEN_TTL_S = 30 * 86400;

export const tokenRoutes: RouteSpec[] = [
  route({
    method: 'post',
    path: '/v1/tokens',
    summary: 'Create a token (the secret is in this response only)',
    tag: 'tokens',
    allow: ORG_USERS,
    body: TokenBody,
    response: z.object({ token: Token, secret: z.string() }),
    secretAnswer: true,
    status: 201,
    handle: async ({ principal, body, deps }) => {
      if (principal.kind !== 'admin' && body.kind === 'admin') throw forbidden(principal);
      if (body.kind !== 'admin' && body.org === undefined) {
        throw new SixpnError('invalid_argument', `a ${body.kind} token needs an org (field 'org')`, {
          details: { field: 'org' },
        });
      }
      if (body.kind === 'admin' && (body.org !== undefined || body.network !== undefined)) {
        throw new SixpnError('invalid_argument', 'an admin token takes no org or network', {
          details: { field: 'org' },
        });
      }
      if (body.network !== undefined && body.kind !== 'peer') {
        throw new SixpnError('invalid_argument', 'only peer tokens can be limited to a network', {
          details: { field: 'network' },
        });
      }
      if (body.org !== undefined) {
        checkOrgAccess(principal, body.org);
        await deps.store.getOrg(body.org);
        if (body.network !== undefined) await deps.store.getNetwork(body.org, body.network);
      }
      const ttl =
        body.expires_in !== undefined
          ? parseDuration(body.expires_in)
          : body.kind === 'peer'
            ? DEFAULT_PEER_TOKEN_TTL_S
            : undefined;
      const expires = ttl === undefined ? null : new Date(deps.now().getTime() + ttl * 1000).toISOString();
      const secret = newSecret();
      const token = await deps.store.createToken(
        {
          kind: body.kind,
          name: body.name,
          org: body.org ?? null,
          network: body.network ?? null,
          expires_at: expires,
        },
        hashSecret(secret),
      );
      return { token, secret };
    },
  }),
  route({
    method: 'get',
    path: '/v1/tokens',
    summary: 'List tokens (never their secrets)',
    tag: 'tokens',
    allow: ORG_USERS,
    query: TokenQuery,
    response: z.object({ items: z.array(Token) }),
    handle: async ({ principal, query, deps }) => {
      if (principal.kind === 'admin') {
        const kind = Token.shape.kind.safeParse(query.kind);
        if (query.kind !== undefined && !kind.success) {
          throw new SixpnError(
            'invalid_argument',
            `query field 'kind': not a token kind (admin, org, peer, host, gateway)`,
            {
              details: { field: 'kind' },
            },
          );
        }
        return {
          items: await deps.store.listTokens({
            ...(query.org ? { org: query.org } : {}),
            ...(kind.success ? { kind: kind.data } : {}),
          }),
        };
      }
      if (query.org !== undefined) checkOrgAccess(principal, query.org);
      const items = await deps.store.listTokens({ org: principal.org ?? '' });
      return { items: items.filter((t) => query.kind === undefined || t.kind === query.kind) };
    },
  }),
  route({
    method: 'delete',
    path: '/v1/tokens/:id',
    summary: 'Revoke a token',
    tag: 'tokens',
    allow: ORG_USERS,
    params: IdParam,
    status: 204,
    handle: async ({ principal, params, deps }) => {
      const all = await deps.store.listTokens(principal.kind === 'admin' ? {} : { org: principal.org ?? '' });
      const t = all.find((x) => x.id === params.id);
      if (!t)
        throw new SixpnError('not_found', `token '${params.id}' not found`, { details: { kind: 'token' } });
      await deps.store.deleteToken(t.id);
    },
  }),
];
