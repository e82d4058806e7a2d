// `sixpn agent join URL [TOKEN]` / `sixpn gateway join …` and `… set-token`: the subcommands that set up a machine
// from a join token (src/cli/join.ts) and replace its token after `sixpn hosts rotate-token`.

import { readFile } from 'node:fs/promises';
import type { Command } from '@commander-js/extra-typings';
import { invalid } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { configFiles, DEFAULT_CONFIG_DIR, type JoinRole } from '../daemon-setup.ts';
import { label } from '../flags.ts';
import type { JoinInput } from '../join.ts';

/** What the parent command's flags say: the daemon's settings, and the endpoints when given. */
export interface ParentSettings {
  configDir: string;
  /** The parent's own `--name` (the gateway's), which commander gives the parent even after `join`. */
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

export function registerJoin(
  parent: Command,
  ctx: CliContext,
  role: JoinRole,
  settingsOf: () => ParentSettings,
): void {
  const noun = role === 'agent' ? 'host' : 'gateway';
  parent
    .command('join')
    .description(
      `join this machine as a ${noun} with a join token (\`sixpn hosts join-token create\`): checks the server by the token's CA fingerprint, registers, and writes ${role}.toml and ${role}.token (0600) in --config-dir; then \`sixpn ${role}\` runs with no flags`,
    )
    .argument('<url>', "the control plane's https:// URL")
    .argument(
      '[token]',
      'the join token (better: SIXPN_JOIN_TOKEN or --token-file, out of the shell history)',
    )
    .option('--token-file <file>', 'read the join token from this file')
    .option('--name <name>', `this ${noun}'s name (default: the hostname)`, label(`${noun} name`))
    .option(
      '--replace',
      `take the place of an existing ${noun} of that name (and rewrite this machine's config)`,
    )
    .action(async (url, token, o) => {
      const p = settingsOf();
      const jt = await joinTokenOf(token, o.tokenFile, ctx.io.env);
      const { joinMachine } = await import('../join.ts');
      const r = await joinMachine({
        role,
        url,
        token: jt.token,
        tokenFrom: jt.from,
        name: o.name ?? p.name,
        endpoint: p.endpoint,
        peerEndpoint: p.peerEndpoint,
        replace: o.replace === true,
        configDir: p.configDir,
        caFile: ctx.globals.ca ?? ctx.io.env.SIXPN_CA,
        settings: p.settings,
      });
      const h = r.host;
      ctx.out(`joined as ${noun} ${h.name} in ${h.region} (${noun} id ${h.num}), endpoint ${h.endpoint}`);
      ctx.out(
        `wrote ${r.configFile} and ${r.tokenFile} (0600); start it with: sixpn ${role}${p.configDir === DEFAULT_CONFIG_DIR ? '' : ` --config-dir ${p.configDir}`}`,
      );
    });

  parent
    .command('set-token')
    .description(
      `replace this ${noun}'s token (read on stdin) after \`sixpn ${noun}s rotate-token\`; the running ${role} reads it on its next request`,
    )
    .action(async () => {
      const text = (await ctx.io.readStdin())?.trim();
      if (!text)
        throw invalid('set-token reads the token on stdin: sixpn hosts rotate-token NAME | … set-token');
      const path = configFiles(settingsOf().configDir, role).token;
      const { writeTokenFile } = await import('../../runtime/token-file.ts');
      await writeTokenFile(path, text);
      ctx.out(`wrote ${path} (0600)`);
    });
}
