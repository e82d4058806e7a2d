// Parses one CNI invocation (the CNI_* environment and the network configuration on stdin, SPEC.md §1–§3) into
// what the plugin asks the local agent. Pure: every bad input becomes a CniError naming the field.

import { z } from 'zod';
import { formatPlanPrefix, parsePlanPrefix } from '../core/address.ts';
import { isSixpnError } from '../core/errors.ts';
import { checkAppName, checkLabel } from '../core/names.ts';
import { CNI_ERR, CniError, type CniResult, SUPPORTED_VERSIONS } from './spec.ts';

/** Where the agent listens unless the configuration or SIXPN_AGENT_SOCKET says otherwise (AGENT-SOCKET.md). */
export const DEFAULT_AGENT_SOCKET = '/run/sixpn/agent.sock';
const DEFAULT_PREFIX = 'fdaa::/16';

/** The body of `POST /v1/instances` on the agent's socket. */
export interface AttachRequest {
  key: string;
  org: string;
  app: string;
  name?: string;
  netns: string;
  ifname: string;
}

interface Common {
  cniVersion: string;
  /** The agent's socket. */
  socket: string;
  containerId: string;
  ifname: string;
  /** `cni/<CNI_CONTAINERID>/<CNI_IFNAME>`: the attachment's idempotency key at the agent (SPEC.md §3). */
  key: string;
  prevResult: CniResult | undefined;
}

export type Invocation =
  | { command: 'VERSION'; cniVersion: string | undefined }
  | (Common & { command: 'ADD' | 'CHECK'; netns: string; attach: AttachRequest; route: string })
  | (Common & { command: 'DEL'; netns: string | undefined });

export type Env = Readonly<Record<string, string | undefined>>;

const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION'] as const;
const CONTAINER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const NETWORK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** The CNI_ARGS / `args.cni` keys sixpn reads; any other SIXPN_* key is a mistake worth reporting. */
const OVERRIDES = ['SIXPN_ORG', 'SIXPN_APP', 'SIXPN_NAME'] as const;
type Overrides = Partial<Record<(typeof OVERRIDES)[number], string>>;

const interfaceSchema = z.object({
  name: z.string(),
  mac: z.string().optional(),
  sandbox: z.string().optional(),
});
const resultSchema = z.object({
  cniVersion: z.string().optional(),
  interfaces: z.array(interfaceSchema).optional(),
  ips: z
    .array(
      z.object({
        address: z.string(),
        gateway: z.string().optional(),
        interface: z.number().int().min(0).optional(),
      }),
    )
    .optional(),
  routes: z.array(z.object({ dst: z.string(), gw: z.string().optional() })).optional(),
  dns: z
    .object({
      nameservers: z.array(z.string()).optional(),
      domain: z.string().optional(),
      search: z.array(z.string()).optional(),
      options: z.array(z.string()).optional(),
    })
    .optional(),
});

const configSchema = z.looseObject({
  cniVersion: z.string(),
  name: z.string(),
  type: z.string(),
  org: z.string().optional(),
  app: z.string().optional(),
  agentSocket: z.string().optional(),
  prefix: z.string().optional(),
  args: z.looseObject({ cni: z.record(z.string(), z.unknown()).optional() }).optional(),
  prevResult: resultSchema.optional(),
});
type Config = z.infer<typeof configSchema>;

/** Parses one invocation; throws {@link CniError} (with the config's cniVersion, when known, in `cniVersionOf`). */
export function parseInvocation(env: Env, stdin: string): Invocation {
  const command = env.CNI_COMMAND;
  if (command === undefined || command === '')
    throw new CniError(
      CNI_ERR.invalidEnvironment,
      'CNI_COMMAND is not set: expected ADD, DEL, CHECK or VERSION',
    );
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new CniError(
      CNI_ERR.invalidEnvironment,
      `CNI_COMMAND '${command}' is not supported: expected ADD, DEL, CHECK or VERSION`,
    );
  if (command === 'VERSION') return { command, cniVersion: versionOfStdin(stdin) };
  const config = parseConfig(stdin);
  const common = parseCommon(env, config);
  if (command === 'DEL') return { ...common, command, netns: optionalNetns(env) };
  const netns = requiredNetns(env);
  const o = overrides(env, config);
  const org = o.SIXPN_ORG ?? config.org;
  const app = o.SIXPN_APP ?? config.app;
  if (app === undefined)
    throw new CniError(
      CNI_ERR.invalidConfig,
      'network configuration field app is missing: name the sixpn app, e.g. "app": "web" (or SIXPN_APP=… in CNI_ARGS)',
    );
  const attach: AttachRequest = {
    key: common.key,
    ...(org === undefined ? {} : { org: nameField('org', org, checkLabel) }),
    app: nameField('app', app, checkAppName),
    ...(o.SIXPN_NAME === undefined ? {} : { name: nameField('SIXPN_NAME', o.SIXPN_NAME, checkLabel) }),
    netns,
    ifname: common.ifname,
  } as AttachRequest;
  return { ...common, command: command as 'ADD' | 'CHECK', netns, attach, route: routeOf(config) };
}

/** The `cniVersion` of a configuration, when stdin holds one: errors are answered in the caller's version. */
export function cniVersionOf(stdin: string): string | undefined {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown } | null)?.cniVersion;
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

function versionOfStdin(stdin: string): string | undefined {
  if (stdin.trim() === '') return undefined;
  return cniVersionOf(stdin);
}

function parseConfig(stdin: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (e) {
    throw new CniError(
      CNI_ERR.decodeFailure,
      `the network configuration on stdin is not JSON: ${(e as Error).message}`,
      'the runtime passes the network configuration as one JSON object on stdin (SPEC.md §2)',
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CniError(CNI_ERR.decodeFailure, 'the network configuration on stdin is not a JSON object');
  const version = (raw as { cniVersion?: unknown }).cniVersion;
  if (typeof version === 'string' && !(SUPPORTED_VERSIONS as readonly string[]).includes(version))
    throw new CniError(
      CNI_ERR.incompatibleVersion,
      `cniVersion '${version}' is not supported: this plugin speaks ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'configuration';
    const value = (issue?.path ?? []).reduce<unknown>(
      (v, k) => (v as Record<PropertyKey, unknown>)?.[k],
      raw,
    );
    const what = value === undefined ? ' is missing' : `: ${issue?.message} (got ${JSON.stringify(value)})`;
    throw new CniError(CNI_ERR.invalidConfig, `network configuration field ${field}${what}`);
  }
  const config = parsed.data;
  if (!NETWORK_NAME_RE.test(config.name))
    throw new CniError(
      CNI_ERR.invalidConfig,
      `network configuration field name '${config.name}' is not a network name: start with a letter or digit, then letters, digits, _ . -`,
    );
  return config;
}

function parseCommon(env: Env, config: Config): Omit<Common, 'netns'> {
  const containerId = env.CNI_CONTAINERID ?? '';
  if (!CONTAINER_ID_RE.test(containerId))
    throw new CniError(
      CNI_ERR.invalidEnvironment,
      containerId === ''
        ? 'CNI_CONTAINERID is not set'
        : `CNI_CONTAINERID '${containerId}' is not a container id: start with a letter or digit, then letters, digits, _ . -`,
    );
  const ifname = checkIfname(env.CNI_IFNAME ?? '');
  const socket = config.agentSocket ?? (env.SIXPN_AGENT_SOCKET || DEFAULT_AGENT_SOCKET);
  if (!socket.startsWith('/'))
    throw new CniError(
      CNI_ERR.invalidConfig,
      `network configuration field agentSocket '${socket}' is not an absolute path`,
    );
  return {
    cniVersion: config.cniVersion,
    socket,
    containerId,
    ifname,
    key: `cni/${containerId}/${ifname}`,
    prevResult: config.prevResult as CniResult | undefined,
  };
}

/** SPEC.md §2: not empty, not `.`/`..`, under 16 bytes, no `/`, `:` or whitespace. */
function checkIfname(ifname: string): string {
  let why: string | undefined;
  if (ifname === '') why = 'it is not set';
  else if (ifname === '.' || ifname === '..') why = 'it must not be . or ..';
  else if (Buffer.byteLength(ifname) > 15) why = 'Linux interface names are at most 15 bytes';
  else if (/[/:\s]/.test(ifname)) why = 'it must not contain /, : or whitespace';
  if (why === undefined) return ifname;
  throw new CniError(CNI_ERR.invalidEnvironment, `CNI_IFNAME '${ifname}' is not an interface name: ${why}`);
}

function requiredNetns(env: Env): string {
  const netns = optionalNetns(env);
  if (netns === undefined)
    throw new CniError(
      CNI_ERR.invalidEnvironment,
      'CNI_NETNS is not set: give the path of the container network namespace',
    );
  return netns;
}

function optionalNetns(env: Env): string | undefined {
  const netns = env.CNI_NETNS;
  if (netns === undefined || netns === '') return undefined;
  if (!netns.startsWith('/'))
    throw new CniError(
      CNI_ERR.invalidEnvironment,
      `CNI_NETNS '${netns}' is not a path: give the path of a network namespace, e.g. /run/netns/NAME`,
    );
  return netns;
}

/** SIXPN_* overrides from `args.cni` of the configuration, then CNI_ARGS (which wins). */
function overrides(env: Env, config: Config): Overrides {
  const out: Overrides = {};
  for (const [k, v] of Object.entries(config.args?.cni ?? {})) {
    if (!k.startsWith('SIXPN_')) continue;
    if (typeof v !== 'string')
      throw new CniError(CNI_ERR.invalidConfig, `network configuration field args.cni.${k} is not a string`);
    out[overrideKey(k, `args.cni.${k}`, CNI_ERR.invalidConfig)] = v;
  }
  for (const pair of (env.CNI_ARGS ?? '').split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new CniError(
        CNI_ERR.invalidEnvironment,
        `CNI_ARGS has '${pair}', not KEY=VALUE: separate pairs with ;`,
      );
    const k = pair.slice(0, eq);
    if (k.startsWith('SIXPN_'))
      out[overrideKey(k, `CNI_ARGS ${k}`, CNI_ERR.invalidEnvironment)] = pair.slice(eq + 1);
  }
  return out;
}

function overrideKey(
  k: string,
  where: string,
  code: typeof CNI_ERR.invalidConfig | typeof CNI_ERR.invalidEnvironment,
) {
  if ((OVERRIDES as readonly string[]).includes(k)) return k as (typeof OVERRIDES)[number];
  throw new CniError(code, `${where} is not a sixpn argument: use ${OVERRIDES.join(', ')}`);
}

function nameField(field: string, value: string, check: (field: string, value: string) => string): string {
  try {
    return check(field, value);
  } catch (e) {
    if (isSixpnError(e)) throw new CniError(CNI_ERR.invalidConfig, e.message);
    throw e;
  }
}

function routeOf(config: Config): string {
  const text = config.prefix ?? DEFAULT_PREFIX;
  try {
    return formatPlanPrefix(parsePlanPrefix(text));
  } catch (e) {
    throw new CniError(
      CNI_ERR.invalidConfig,
      `network configuration field prefix '${text}' is not the address plan: ${(e as Error).message}`,
    );
  }
}
