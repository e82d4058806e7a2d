// Request schemas of the API: strict objects (unknown fields are an error) with messages that name the field.

import { z } from 'zod';
import { LABEL_RE, PEER_NAME_RE, REGION_RE } from '../../core/names.ts';

const LABEL_HINT = 'lowercase letters, digits and "-", 1–63 characters, not starting or ending with "-"';

export const label = z
  .string({ error: 'expected a string' })
  .regex(LABEL_RE, { error: `not a valid name: use ${LABEL_HINT}` });
export const regionCode = z
  .string({ error: 'expected a string' })
  .regex(REGION_RE, { error: 'not a region code: use 2–8 lowercase letters or digits, like ord' });
export const peerName = z
  .string({ error: 'expected a string' })
  .regex(PEER_NAME_RE, { error: 'not a valid peer name: use letters, digits and "-", 1–63 characters' });

/** A WireGuard key in the base64 form `wg` prints: 32 bytes, 44 characters ending in `=`. */
export const wgKey = z
  .string({ error: 'expected a string' })
  .regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/, {
    error: 'not a WireGuard key (44 base64 characters, as `wg pubkey` prints)',
  });

export const endpoint = z
  .string({ error: 'expected a string' })
  .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/, {
    error: 'not an endpoint: use HOST:PORT or [IPv6]:PORT',
  });

export const NameBody = z.strictObject({ name: label });

export const RegionBody = z.strictObject({
  code: regionCode,
  name: z.string().min(1).max(100),
  lat: z.number({ error: 'expected a number' }).min(-90).max(90),
  lon: z.number({ error: 'expected a number' }).min(-180).max(180),
});

export const HostBody = z.strictObject({ name: label, region: regionCode });

export const HostRegistration = z.strictObject({ endpoint, mesh_key: wgKey });
export const GatewayRegistration = z.strictObject({
  endpoint,
  mesh_key: wgKey,
  peer_key: wgKey,
  peer_endpoint: endpoint,
});

export const AppBody = z.strictObject({
  name: label,
  network: label.optional(),
  private_network: z.boolean({ error: 'expected true or false' }).optional(),
});

export const InstanceBody = z.strictObject({
  region: regionCode,
  host: label.optional(),
  state: z.enum(['started', 'stopped']).optional(),
});

export const PeerBody = z.strictObject({
  name: peerName,
  network: label.optional(),
  region: regionCode,
  public_key: wgKey,
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
  org: label.optional(),
  network: label.optional(),
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
