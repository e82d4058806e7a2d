// Builds the OpenAPI 3.1 document from the route table (zod 4 emits JSON Schema 2020-12, which OAS 3.1 uses).

import { z } from 'zod';
import type { RouteSpec } from './route.ts';

const ERROR = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
      required: ['code', 'message'],
    },
  },
};

function jsonSchema(s: z.core.$ZodType): unknown {
  return z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' });
}

/** The document served at `/v1/openapi.json`. */
export function openApiDocument(routes: readonly RouteSpec[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([a-z_]+)/g, '{$1}');
    const params = [...r.path.matchAll(/:([a-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query =
      r.query instanceof z.core.$ZodObject
        ? Object.keys(r.query._zod.def.shape).map((name) => ({
            name,
            in: 'query',
            required: false,
            schema: { type: 'string' },
          }))
        : [];
    const ok = String(r.status ?? 200);
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      'x-sixpn-token-kinds': r.allow,
      ...(r.auth === 'none' ? { security: [] } : {}),
      parameters: [...params, ...query],
      responses: {
        [ok]: {
          description: 'success',
          ...(r.response ? { content: { 'application/json': { schema: jsonSchema(r.response) } } } : {}),
          ...(r.stream ? { content: { 'application/x-ndjson': {}, 'text/event-stream': {} } } : {}),
        },
        default: { description: 'error', content: { 'application/json': { schema: ERROR } } },
      },
    };
    if (r.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    paths[path] = { ...(paths[path] ?? {}), [r.method]: op };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'sixpn control plane', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
