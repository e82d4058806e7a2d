// The config `sixpn agent join` / `sixpn gateway join` write (`/etc/sixpn/agent.toml`, `gateway.toml`) and
// `sixpn agent` / `sixpn gateway` read when run with no flags: where the control plane is, how to trust it, where
// the token file is, and this machine's name, region and endpoints. TOML 1.0; never a secret. Pure.

import { parse, stringify, TomlError } from 'smol-toml';
import { invalid } from './errors.ts';
import * as z from './zod.ts';

export const DaemonConfig = z.strictObject({
  /** Control plane URL (or several replicas' URLs joined by commas). */
  api: z.string().check(z.minLength(1)),
  /** `sha256:HEX`: the CA the server's chain must end in (from the join token). */
  ca_fingerprint: z.optional(z.string()),
  /** A CA file to verify the control plane with instead (`--ca` at join). */
  ca_file: z.optional(z.string()),
  /** The file (0600) that holds this machine's own token. */
  token_file: z.string().check(z.minLength(1)),
  /** Host or gateway name in the control plane. */
  name: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  /** Underlay endpoint `IP:PORT` of the host mesh. */
  endpoint: z.string().check(z.minLength(1)),
  /** Gateways: where peers connect. */
  peer_endpoint: z.optional(z.string()),
  state_dir: z.string().check(z.minLength(1)),
  mesh_interface: z.optional(z.string()),
  peer_interface: z.optional(z.string()),
  wireguard: z.optional(z.enum(['kernel', 'userspace'])),
  /** Agents: lab mode (instance namespaces sixpn-i-<id>). */
  lab: z.optional(z.boolean()),
  netns_template: z.optional(z.string()),
  upstream: z.optional(z.array(z.string())),
  prefix: z.optional(z.string()),
  /** Agents: `ADDR:PORT` on loopback where Prometheus metrics are served (`--metrics-listen`). */
  metrics_listen: z.optional(z.string()),
});
export type DaemonConfig = z.infer<typeof DaemonConfig>;

const HEADER =
  '# written by `sixpn {role} join`; `sixpn {role}` reads it when run with no flags. No secrets here.\n';

/** The config's text. */
export function encodeDaemonConfig(c: DaemonConfig, role: 'agent' | 'gateway'): string {
  const clean = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
  return `${HEADER.replaceAll('{role}', role)}${stringify(clean)}\n`;
}

/** Parses a config's text; `file` names it in errors (invalid_argument with the key or the line). */
export function parseDaemonConfig(text: string, file: string): DaemonConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    if (e instanceof TomlError) throw invalid(`${file}:${e.line}:${e.column}: TOML syntax error`, { file });
    throw e;
  }
  const r = DaemonConfig.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key =
      issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : (issue?.path.map(String).join('.') ?? '');
    const why =
      issue?.code === 'unrecognized_keys' ? 'is not a key of this file' : (issue?.message ?? 'invalid');
    throw invalid(`${file}: key '${key}' ${why}; join again with \`sixpn … join --replace\` to rewrite it`, {
      file,
      field: key,
    });
  }
  return r.data;
}
