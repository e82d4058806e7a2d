// Response schemas of the HTTP API (src/control/API.md) as the client parses them: model.ts types, kept loose so a
// field the server adds later is passed through (the CLI's --json prints objects as the API returns them).

import { z } from 'zod';
import { JoinToken } from '../core/join-token.ts';
import {
  App,
  type Change,
  ChangeSchema,
  CheckStatus,
  type EntityKind,
  Host,
  HostGrant,
  Instance,
  Network,
  Org,
  Peer,
  PeerStatus,
  Region,
  type Snapshot,
  Token,
  TokenKind,
} from '../core/model.ts';

export const OrgL = Org.loose();
export const NetworkL = Network.loose();
export const RegionL = Region.loose();
export const HostL = Host.loose();
export const HostGrantL = HostGrant.loose();
export const AppL = App.loose();
export const CheckStatusL = CheckStatus.loose();
export const InstanceL = Instance.loose();
export const PeerL = Peer.loose();
export const TokenL = Token.loose();

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** GET /v1/whoami: the caller's token. */
export const Whoami = z.object({
  kind: TokenKind,
  name: z.string(),
  org: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  network: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  host: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  expires_at: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
});
export type Whoami = z.infer<typeof Whoami>;

export const CreatedHost = z.object({ host: HostL, token: z.string() });
export const CreatedGateway = z.object({ gateway: HostL, token: z.string() });
export const CreatedToken = z.object({ token: TokenL, secret: z.string() });
export const JoinTokenL = JoinToken.loose();
export const CreatedJoinToken = z.object({ join_token: JoinTokenL, token: z.string() });
export const Joined = z.object({ host: HostL, token: z.string() });

export const CreatedPeer = z.object({
  peer: PeerL,
  gateway: z.object({
    name: z.string(),
    region: z.string(),
    peer_key: z.string().nullable(),
    peer_endpoint: z.string().nullable(),
  }),
  network: z.object({ prefix: z.string(), dns: z.string() }),
});
export type CreatedPeer = z.infer<typeof CreatedPeer>;

/** A peer's last status; `reported_at` is null until its gateway has reported it once. */
export const PeerStatusView = PeerStatus.extend({
  gateway: z.string(),
  region: z.string(),
  reported_at: z.string().nullable(),
}).loose();
export type PeerStatusView = z.infer<typeof PeerStatusView>;

export const SnapshotSchema = z.object({
  revision: z.number().int().nonnegative(),
  orgs: z.array(OrgL),
  networks: z.array(NetworkL),
  regions: z.array(RegionL),
  hosts: z.array(HostL),
  apps: z.array(AppL),
  instances: z.array(InstanceL),
  peers: z.array(PeerL),
}) satisfies z.ZodType<Snapshot>;

/** The error body every failing route returns: `{"error":{"code","message","details"}}`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

const objectSchemas: { [K in EntityKind]: z.ZodType } = {
  org: OrgL,
  network: NetworkL,
  region: RegionL,
  host: HostL,
  app: AppL,
  instance: InstanceL,
  peer: PeerL,
};

/** Parses one watch-stream change, including its object against the schema of its kind. */
export function parseChange(v: unknown): Change | undefined {
  const c = ChangeSchema.safeParse(v);
  if (!c.success) return undefined;
  const obj = objectSchemas[c.data.kind].safeParse(c.data.obj);
  if (!obj.success) return undefined;
  return { ...c.data, obj: obj.data } as Change;
}

const UsageTotalsL = z
  .object({ tx_bytes: z.number(), tx_packets: z.number(), rx_bytes: z.number(), rx_packets: z.number() })
  .loose();
/** `GET /v1/orgs/:org/usage`. */
export const UsageView = z
  .object({
    from: z.string(),
    to: z.string(),
    step: z.number(),
    by: z.string(),
    total: UsageTotalsL,
    series: z.array(
      z
        .object({
          key: z.string(),
          total: UsageTotalsL,
          points: z.array(UsageTotalsL.extend({ t: z.string() })),
        })
        .loose(),
    ),
  })
  .loose();
export type UsageView = z.infer<typeof UsageView>;
