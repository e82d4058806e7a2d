// The agent's local socket protocol (../../AGENT-SOCKET.md, README "Local socket"): request bodies parsed with a
// schema, the attachment record the agent keeps per instance in its state dir, and the answer's shape. Pure.

import { type AddressPlan, formatIPv6, hostResolverAddress } from '../core/address.ts';
import { invalid, SixpnError } from '../core/errors.ts';
import type { Instance } from '../core/model.ts';
import { IFACE_RE, LABEL_RE } from '../core/names.ts';
import * as z from '../core/zod.ts';
import { HOST_LINK_LOCAL, INSTANCE_IFACE, netnsName } from './desired.ts';
import { type InstanceEnv, instanceEnv } from './instance-files.ts';

const label = (field: string) =>
  z
    .string({ error: `${field}: expected a string` })
    .check(z.regex(LABEL_RE, `${field}: use lowercase letters, digits and "-", 1–63 characters`));

/** A runtime's own id of one attachment: printable ASCII without spaces, e.g. `cni/<container>/<ifname>`. */
export const KEY_RE = /^[\x21-\x7e]{1,256}$/;
/** An absolute path of a network namespace file (`/var/run/netns/cni-…`, `/proc/<pid>/ns/net`). */
export const NETNS_PATH_RE = /^\/[A-Za-z0-9._/:@+-]{1,4095}$/;

export const CreateBody = z.strictObject({
  app: label('app'),
  org: z.optional(label('org')),
  name: z.optional(label('name')),
  key: z
    .string({ error: 'key: expected a string' })
    .check(z.regex(KEY_RE, 'key: 1–256 printable characters, no spaces')),
  netns: z.optional(
    z.string({ error: 'netns: expected a path' }).check(
      z.regex(NETNS_PATH_RE, 'netns: an absolute path of a network namespace, e.g. /var/run/netns/NAME'),
      z.refine((p) => !p.split('/').includes('..'), 'netns: no ".." in the path'),
    ),
  ),
  ifname: z.optional(z.string().check(z.regex(IFACE_RE, 'ifname: 1–15 of A-Z a-z 0-9 _ . -'))),
  /** `sixpn run`: the instance lives while this process, or any process in its namespace, does. */
  pid: z.optional(
    z.number({ error: 'pid: expected a number' }).check(z.int(), z.minimum(1), z.maximum(2 ** 22)),
  ),
  /** With `pid`: delete (not only stop) the instance when neither is left. */
  rm: z.optional(z.boolean({ error: 'rm: expected true or false' })),
});
export type CreateBody = z.infer<typeof CreateBody>;

/** Parses a create request's JSON text; bad input is an `invalid_argument` naming the field. */
export function parseCreateBody(text: string): CreateBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('the body is not JSON; send {"app": …, "key": …}');
  }
  const r = CreateBody.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') || 'body';
  const message = issue?.message ?? 'invalid body';
  const text2 = message.startsWith(`${field}:`) ? message : `${field}: ${message}`;
  throw invalid(text2, { field });
}

/** What the agent remembers of one attachment (`<state-dir>/workloads/<id>.json`). */
export const Attachment = z.object({
  key: z.string(),
  id: z.string().check(z.regex(/^[0-9a-f]{8}$/)),
  org: z.string(),
  app: z.string(),
  name: z.nullable(z.string()),
  /** The runtime's namespace the agent pinned as `sixpn-i-<id>`; null: the agent made that namespace itself. */
  netns: z.nullable(z.string()),
  ifname: z.string(),
  /** `sixpn run`: the process (pid and its start time, /proc/PID/stat field 22) that holds the instance. */
  holder: z.nullable(z.object({ pid: z.int(), start: z.string() })),
  rm: z.boolean(),
  created_at: z.string(),
});
export type Attachment = z.infer<typeof Attachment>;

export function parseAttachment(text: string, file: string): Attachment {
  try {
    return Attachment.parse(JSON.parse(text));
  } catch (e) {
    throw new SixpnError('internal', `${file} is not an attachment record; remove it`, { cause: e });
  }
}

export const encodeAttachment = (a: Attachment) => `${JSON.stringify(a)}\n`;

export function newAttachment(
  body: CreateBody,
  i: Pick<Instance, 'id' | 'org' | 'app'>,
  holder: Attachment['holder'],
  at: string,
): Attachment {
  return {
    key: body.key,
    id: i.id,
    org: i.org,
    app: body.app,
    name: body.name ?? null,
    netns: body.netns ?? null,
    ifname: body.ifname ?? INSTANCE_IFACE,
    holder,
    rm: body.rm ?? false,
    created_at: at,
  };
}

export interface WorkloadView {
  id: string;
  name: string | null;
  org: string;
  app: string;
  network: string;
  region: string;
  host: string;
  state: string;
  address: string | null;
  prefix_len: 112;
  gateway: string;
  dns: string;
  /** The namespace path a process joins (`nsenter --net=…`). */
  netns: string;
  ifname: string;
  /** Where the instance's hosts, resolv.conf and nsswitch.conf are. */
  etc_dir: string;
  env: InstanceEnv;
}

/** The answer for an attachment of instance `i`. */
export function workloadView(
  a: Attachment,
  i: Instance,
  appName: string,
  o: { plan: AddressPlan; etcNetnsDir: string; netnsTemplate: string },
): WorkloadView {
  const ns = netnsName(o.netnsTemplate, i.id);
  return {
    id: i.id,
    name: a.name,
    org: i.org,
    app: appName,
    network: i.network,
    region: i.region,
    host: i.host,
    state: i.state,
    address: i.address,
    prefix_len: 112,
    gateway: HOST_LINK_LOCAL,
    dns: formatIPv6(hostResolverAddress(o.plan)),
    netns: a.netns ?? `/run/netns/${ns}`,
    ifname: a.ifname,
    etc_dir: `${o.etcNetnsDir}/${ns}`,
    env: instanceEnv(i, appName),
  };
}

/** The org of `app` when the request names none: the one org with an app of that name, else a clear error. */
export function resolveOrg(app: string, orgsWithApp: readonly string[]): string {
  if (orgsWithApp.length === 1) return orgsWithApp[0] as string;
  if (orgsWithApp.length === 0) throw new SixpnError('not_found', `app '${app}' not found in any org`);
  throw invalid(`app '${app}' exists in several orgs (${[...orgsWithApp].sort().join(', ')}); pass org`, {
    field: 'org',
  });
}

/** Whether an instance held by a process should go: started here, its holder gone, no process in its namespace. */
export function holderGone(a: Attachment, holderAlive: boolean, nsInUse: boolean): boolean {
  return a.holder !== null && !holderAlive && !nsInUse;
}
