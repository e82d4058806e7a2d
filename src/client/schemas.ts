// Response schemas of the HTTP API (src/control/API.md) as the client parses them: model.ts types, kept loose so a
// field the server adds later is passed through (the CLI's --json prints objects as the API returns them).

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
import * as z from '../core/zod.ts';

export const OrgL = z.looseObject(Org.shape);
export const NetworkL = z.looseObject(Network.shape);
export const RegionL = z.looseObject(Region.shape);
export const HostL = z.looseObject(Host.shape);
export const HostGrantL = z.looseObject(HostGrant.shape);
export const AppL = z.looseObject(App.shape);
export const CheckStatusL = z.looseObject(CheckStatus.shape);
export const InstanceL = z.looseObject(Instance.shape);
export const PeerL = z.looseObject(Peer.shape);
export const TokenL = z.looseObject(Token.shape);

export const listOf = <T extends z.ZodMiniType>(item: T) => z.object({ items: z.array(item) });

/** A string that may be absent or null, as null. */
const orNull = z.pipe(
  z.nullish(z.string()),
  z.transform((v) => v ?? null),
);

/** GET /v1/whoami: the caller's token. */
export const Whoami = z.object({
  kind: TokenKind,
  name: z.string(),
  org: orNull,
  network: orNull,
  host: orNull,
  expires_at: orNull,
});
export type Whoami = z.infer<typeof Whoami>;

export const CreatedHost = z.object({ host: HostL, token: z.string() });
export const CreatedGateway = z.object({ gateway: HostL, token: z.string() });
export const CreatedToken = z.object({ token: TokenL, secret: z.string() });
export const JoinTokenL = z.looseObject(JoinToken.shape);
export const CreatedJoinToken = z.object({ join_token: JoinTokenL, token: z.string() });
export const Joined = z.object({ host: HostL, token: z.string() });

export const CreatedPeer = z.object({
  peer: PeerL,
  gateway: z.object({
    name: z.string(),
    region: z.string(),
    peer_key: z.nullable(z.string()),
    peer_endpoint: z.nullable(z.string()),
  }),
  network: z.object({ prefix: z.string(), dns: z.string() }),
});
export type CreatedPeer = z.infer<typeof CreatedPeer>;

/** A peer's last status; `reported_at` is null until its gateway has reported it once. */
export const PeerStatusView = z.looseObject({
  ...PeerStatus.shape,
  gateway: z.string(),
  region: z.string(),
  reported_at: z.nullable(z.string()),
});
export type PeerStatusView = z.infer<typeof PeerStatusView>;

export const SnapshotSchema = z.object({
  revision: z.int().check(z.nonnegative()),
  orgs: z.array(OrgL),
  networks: z.array(NetworkL),
  regions: z.array(RegionL),
  hosts: z.array(HostL),
  apps: z.array(AppL),
  instances: z.array(InstanceL),
  peers: z.array(PeerL),
}) satisfies z.ZodMiniType<Snapshot>;

/** The error body every failing route returns: `{"error":{"code","message","details"}}`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.record(z.string(), z.unknown())),
  }),
});

const objectSchemas: { [K in EntityKind]: z.ZodMiniType } = {
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

const UsageTotals = {
  tx_bytes: z.number(),
  tx_packets: z.number(),
  rx_bytes: z.number(),
  rx_packets: z.number(),
};
const UsageTotalsL = z.looseObject(UsageTotals);
/** `GET /v1/orgs/:org/usage`. */
export const UsageView = z.looseObject({
  from: z.string(),
  to: z.string(),
  step: z.number(),
  by: z.string(),
  total: UsageTotalsL,
  series: z.array(
    z.looseObject({
      key: z.string(),
      total: UsageTotalsL,
      points: z.array(z.looseObject({ ...UsageTotals, t: z.string() })),
    }),
  ),
});
export type UsageView = z.infer<typeof UsageView>;
