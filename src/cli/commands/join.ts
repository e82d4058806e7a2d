// `sixpn agent join URL [TOKEN]` / `sixpn gateway join …` and `… set-token`: the subcommands that set up a machine
// from a join token (src/cli/join.ts) and replace its token after `sixpn hosts rotate-token`.

import { readFile } from 'node:fs/promises';
import { invalid } from '../../core/errors.ts';
import { type DaemonCommand, type Flags, flag, type Parsed, toggle, type Values } from '../daemon-cli.ts';
import { configFiles, DEFAULT_CONFIG_DIR, type JoinRole } from '../daemon-setup.ts';
import { label } from '../flags.ts';
import type { JoinInput } from '../join.ts';

/** What the parent command's flags say: the daemon's settings, and the endpoints when given. */
export interface ParentSettings {
  configDir: string;
  /** The parent's own `--name` (the gateway's), when given. */
  name?: string | undefined;
  settings: JoinInput['settings'];
  endpoint?: string | undefined;
  peerEndpoint?: string | undefined;
}

async function joinTokenOf(
  arg: string | undefined,
  file: string | undefined,
  env: Record<string, string | undefined>,
): Promise<{ token: string; from: string }> {
  if (arg !== undefined) return { token: arg, from: 'the TOKEN argument' };
  if (file !== undefined) return { token: await readFile(file, 'utf8'), from: `--token-file ${file}` };
  const e = env.SIXPN_JOIN_TOKEN;
  if (e) return { token: e, from: 'SIXPN_JOIN_TOKEN' };
  throw invalid('no join token: set SIXPN_JOIN_TOKEN, pass --token-file FILE (or the token after the URL)', {
    field: 'token',
  });
}

const joinFlags = (noun: string) => ({
  tokenFile: flag('--token-file <file>', 'read the join token from this file'),
  name: flag('--name <name>', `this ${noun}'s name (default: the hostname)`, label(`${noun} name`)),
  replace: toggle(
    '--replace',
    `take the place of an existing ${noun} of that name (and rewrite this machine's config)`,
  ),
});

/** `join` and `set-token` under the daemon command `role`, whose flags (`P`) `settingsOf` reads. */
export function joinCommands<P extends Flags>(
  role: JoinRole,
  settingsOf: (p: Parsed<P>) => ParentSettings,
): DaemonCommand<Flags, P>[] {
  const noun = role === 'agent' ? 'host' : 'gateway';
  const flags = joinFlags(noun);
  const join: DaemonCommand<typeof flags, P> = {
    name: 'join',
    description: `join this machine as a ${noun} with a join token (\`sixpn hosts join-token create\`): checks the server by the token's CA fingerprint, registers, and writes ${role}.toml and ${role}.token (0600) in --config-dir; then \`sixpn ${role}\` runs with no flags`,
    flags,
    args: [
      { name: '<url>', help: "the control plane's https:// URL" },
      {
        name: '[token]',
        help: 'the join token (better: SIXPN_JOIN_TOKEN or --token-file, out of the shell history)',
      },
    ],
    async run(p, ctx) {
      const o = p.values as Values<typeof flags>;
      const s = settingsOf(p as unknown as Parsed<P>);
      const jt = await joinTokenOf(p.args[1], o.tokenFile, ctx.io.env);
      const { joinMachine } = await import('../join.ts');
      const r = await joinMachine({
        role,
        url: p.args[0] as string,
        token: jt.token,
        tokenFrom: jt.from,
        name: o.name ?? s.name,
        endpoint: s.endpoint,
        peerEndpoint: s.peerEndpoint,
        replace: o.replace === true,
        configDir: s.configDir,
        caFile: ctx.globals.ca ?? ctx.io.env.SIXPN_CA,
        settings: s.settings,
      });
      const h = r.host;
      ctx.out(`joined as ${noun} ${h.name} in ${h.region} (${noun} id ${h.num}), endpoint ${h.endpoint}`);
      ctx.out(
        `wrote ${r.configFile} and ${r.tokenFile} (0600); start it with: sixpn ${role}${s.configDir === DEFAULT_CONFIG_DIR ? '' : ` --config-dir ${s.configDir}`}`,
      );
    },
  };
  const setToken: DaemonCommand<Record<string, never>, P> = {
    name: 'set-token',
    description: `replace this ${noun}'s token (read on stdin) after \`sixpn ${noun}s rotate-token\`; the running ${role} reads it on its next request`,
    flags: {},
    async run(p, ctx) {
      const text = (await ctx.io.readStdin())?.trim();
      if (!text)
        throw invalid('set-token reads the token on stdin: sixpn hosts rotate-token NAME | … set-token');
      const path = configFiles(settingsOf(p as unknown as Parsed<P>).configDir, role).token;
      const { writeTokenFile } = await import('../../runtime/token-file.ts');
      await writeTokenFile(path, text);
      ctx.out(`wrote ${path} (0600)`);
    },
  };
  return [join, setToken] as DaemonCommand<Flags, P>[];
}
