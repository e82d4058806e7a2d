// Routes for joining hosts: join tokens (admin), the exchange a new host makes with one (authenticated by the join
// token alone) and the rotation of a host's or gateway's own token. Secrets are shown once and stored hashed.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { base32, formatJoinToken, JoinToken, parseJoinToken } from '../../core/join-token.ts';
import { Host, type HostRole, Token } from '../../core/model.ts';
import { hashSecret, newSecret, parseDuration } from '../auth.ts';
import { ADMIN, type RouteSpec, route } from './route.ts';
import { endpoint, IdParam, label, NameParam, regionCode, wgKey } from './schemas.ts';

/** A join token lives a day unless told otherwise. */
export const DEFAULT_JOIN_TTL_S = 86_400;

const JoinTokenBody = z.strictObject({
  region: regionCode(),
  role: z.enum(['host', 'gateway']).optional(),
  expires_in: z.union([z.string(), z.number()]).optional(),
  uses: z.number({ error: 'expected a whole number' }).int().min(1).max(10_000).optional(),
});

const JoinBody = z.strictObject({
  token: z.string().max(200),
  name: label('name'),
  endpoint: endpoint('endpoint'),
  mesh_key: wgKey('mesh_key'),
  peer_key: wgKey('peer_key').optional(),
  peer_endpoint: endpoint('peer_endpoint').optional(),
  replace: z.boolean({ error: 'expected true or false' }).optional(),
});

function rotateRoute(role: HostRole): RouteSpec {
  const base = role === 'host' ? '/v1/hosts' : '/v1/gateways';
  return route({
    method: 'post',
    path: `${base}/:name/token`,
    summary: `Replace a ${role}'s token: the old one stops working, the new one is in this response only`,
    tag: role === 'host' ? 'hosts' : 'gateways',
    allow: ADMIN,
    params: NameParam,
    response: z.object({ token: Token, secret: z.string() }),
    status: 201,
    secretAnswer: true,
    revokes: true,
    handle: async ({ params, deps }) => {
      const secret = newSecret();
      const token = await deps.store.rotateHostToken(params.name, role, hashSecret(secret));
      return { token, secret };
    },
  });
}

export const joinRoutes: RouteSpec[] = [
  route({
    method: 'post',
    path: '/v1/join-tokens',
    summary: 'Create a join token for new hosts or gateways of a region (its text is in this response only)',
    tag: 'hosts',
    allow: ADMIN,
    body: JoinTokenBody,
    response: z.object({ join_token: JoinToken, token: z.string() }),
    secretAnswer: true,
    status: 201,
    handle: async ({ body, deps }) => {
      const ttl = parseDuration(body.expires_in ?? DEFAULT_JOIN_TTL_S);
      const secret = base32(randomBytes(32));
      const jt = await deps.store.createJoinToken(
        {
          region: body.region,
          role: body.role ?? 'host',
          uses: body.uses ?? 1,
          expires_at: new Date(deps.now().getTime() + ttl * 1000).toISOString(),
        },
        hashSecret(secret),
      );
      return {
        join_token: jt,
        token: formatJoinToken({ fingerprint: deps.caFingerprint?.(), id: jt.id, secret }),
      };
    },
  }),
  route({
    method: 'get',
    path: '/v1/join-tokens',
    summary: 'List join tokens (never their secrets)',
    tag: 'hosts',
    allow: ADMIN,
    response: z.object({ items: z.array(JoinToken) }),
    handle: async ({ deps }) => ({ items: await deps.store.listJoinTokens() }),
  }),
  route({
    method: 'delete',
    path: '/v1/join-tokens/:id',
    summary: 'Revoke a join token (it stays listed as revoked)',
    tag: 'hosts',
    allow: ADMIN,
    params: IdParam,
    status: 204,
    handle: async ({ params, deps }) => {
      await deps.store.revokeJoinToken(params.id);
    },
  }),
  route({
    method: 'post',
    path: '/v1/join',
    summary:
      "Join: trade one use of a join token (in the body; no bearer token) for a registered host and the host's own token",
    tag: 'hosts',
    allow: [],
    auth: 'none',
    body: JoinBody,
    response: z.object({ host: Host, token: z.string() }),
    status: 201,
    secretAnswer: true,
    revokes: true,
    handle: async ({ body, deps }) => {
      const jt = parseJoinToken(body.token);
      const secret = newSecret();
      const { host } = await deps.store.joinHost(
        {
          id: jt.id,
          hash: hashSecret(jt.secret),
          name: body.name,
          endpoint: body.endpoint,
          mesh_key: body.mesh_key,
          peer_key: body.peer_key ?? null,
          peer_endpoint: body.peer_endpoint ?? null,
          replace: body.replace === true,
        },
        hashSecret(secret),
      );
      return { host, token: secret };
    },
  }),
  rotateRoute('host'),
  rotateRoute('gateway'),
];
