// Request schemas of the API: strict objects (unknown fields are an error) with messages that name the field.

import { z } from 'zod';
import { isSixpnError } from '../../core/errors.ts';
import {
  checkAppName,
  checkLabel,
  checkPeerName,
  checkRegion,
  LABEL_RE,
  PEER_NAME_RE,
  REGION_RE,
} from '../../core/names.ts';
import { parseHostEndpoint } from '../../core/wg/endpoint.ts';
import { parsePublicKey } from '../../core/wg/keys.ts';

/**
 * A string field checked by the one rule src/core has for it, with that rule's message (which names the field).
 * `pattern` only documents the shape in the OpenAPI document; the rule decides.
 */
function ruled(field: string, check: (field: string, v: string) => unknown, pattern?: RegExp) {
  const s = z.string({ error: 'expected a string' }).check((ctx) => {
    try {
      check(field, ctx.value);
    } catch (e) {
      if (!isSixpnError(e)) throw e;
      ctx.issues.push({ code: 'custom', message: e.message, input: ctx.value, params: { ruled: true } });
    }
  });
  return pattern === undefined ? s : s.meta({ pattern: pattern.source });
}

export const label = (field: string) => ruled(field, checkLabel, LABEL_RE);
export const appName = ruled('name', checkAppName, LABEL_RE);
export const regionCode = (field = 'region') => ruled(field, checkRegion, REGION_RE);
export const peerName = ruled('name', checkPeerName, PEER_NAME_RE);
/** A WireGuard public key in the base64 form `wg` prints. */
export const wgKey = (field: string) => ruled(field, (f, v) => parsePublicKey(v, f));
export const endpoint = (field: string) => ruled(field, (f, v) => parseHostEndpoint(v, f));

export const NameBody = z.strictObject({ name: label('name') });

export const RegionBody = z.strictObject({
  code: regionCode('code'),
  name: z.string().min(1).max(100),
  lat: z.number({ error: 'expected a number' }).min(-90).max(90),
  lon: z.number({ error: 'expected a number' }).min(-180).max(180),
});

export const HostBody = z.strictObject({ name: label('name'), region: regionCode() });

export const HostRegistration = z.strictObject({
  endpoint: endpoint('endpoint'),
  mesh_key: wgKey('mesh_key'),
});
export const GatewayRegistration = z.strictObject({
  endpoint: endpoint('endpoint'),
  mesh_key: wgKey('mesh_key'),
  peer_key: wgKey('peer_key'),
  peer_endpoint: endpoint('peer_endpoint'),
});

/**
 * `checks` in the input form of sixpn.toml (src/core/checks.ts: `{ type, port, path?, method?, expected_status?,
 * interval?, timeout?, grace_period?, name? }`, durations like "10s"); checked by `parseChecks` in the handler,
 * whose errors name the field (`checks[0].port`).
 */
const ChecksInput = z.array(z.record(z.string(), z.unknown())).max(100);

export const AppBody = z.strictObject({
  name: appName,
  network: label('network').optional(),
  private_network: z.boolean({ error: 'expected true or false' }).optional(),
  checks: ChecksInput.optional(),
  service_address: z.boolean({ error: 'expected true or false' }).optional(),
});

/** `PATCH /v1/orgs/:org/apps/:app`: only the fields to change. */
export const AppUpdateBody = z.strictObject({
  checks: ChecksInput.optional(),
  service_address: z.boolean({ error: 'expected true or false' }).optional(),
});

export const CheckReportBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        instance: z.string().max(100),
        check: z.string().max(100),
        status: z.enum(['passing', 'critical']),
        output: z.string().max(4096),
      }),
    )
    .max(100_000),
});

export const CheckQuery = z.strictObject({
  org: z.string().optional(),
  app: z.string().optional(),
  instance: z.string().optional(),
});

export const InstanceBody = z.strictObject({
  /** Required except for a host token (then: the host's region). */
  region: regionCode().optional(),
  host: label('host').optional(),
  state: z.enum(['started', 'stopped']).optional(),
});

export const GrantBody = z.strictObject({ org: label('org'), network: label('network').optional() });
export const GrantParam = z.object({ name: z.string(), org: z.string() });
export const GrantQuery = z.strictObject({ network: z.string().optional() });

export const PeerBody = z.strictObject({
  name: peerName,
  network: label('network').optional(),
  region: regionCode(),
  public_key: wgKey('public_key'),
});

export const PeerStatusBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        peer: z.string().max(100),
        endpoint: z.string().max(100).nullable(),
        last_handshake: z.string().max(40).nullable(),
        rx_bytes: z.number().int().min(0),
        tx_bytes: z.number().int().min(0),
        installed_at: z.string().max(40).nullable(),
      }),
    )
    .max(100_000),
});

export const TokenBody = z.strictObject({
  kind: z.enum(['admin', 'org', 'peer']),
  name: z.string().min(1).max(100),
  org: label('org').optional(),
  network: label('network').optional(),
  expires_in: z.union([z.string(), z.number()]).optional(),
});

export const OrgParam = z.object({ org: z.string() });
export const OrgNameParam = z.object({ org: z.string(), name: z.string() });
export const NameParam = z.object({ name: z.string() });
export const CodeParam = z.object({ code: z.string() });
export const IdParam = z.object({ id: z.string() });
export const AppParam = z.object({ org: z.string(), app: z.string() });

export const InstanceQuery = z.strictObject({
  org: z.string().optional(),
  app: z.string().optional(),
  host: z.string().optional(),
  region: z.string().optional(),
});
export const PeerQuery = z.strictObject({ network: z.string().optional() });
export const TokenQuery = z.strictObject({ org: z.string().optional(), kind: z.string().optional() });
export const WatchQuery = z.strictObject({
  since: z.coerce.number({ error: 'expected a revision number' }).int().min(0),
});

/** Names of fields that would carry private key material; a body with any of them is refused outright. */
export const PRIVATE_KEY_FIELDS = ['private_key', 'privateKey', 'PrivateKey', 'privatekey', 'private'];
