// `sixpn install server|agent|gateway [--dry-run]` and `sixpn uninstall …`: a hardened systemd unit for the
// service, its 0600 environment file, enabled and started when systemd runs here (src/install/).

import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument } from '@commander-js/extra-typings';
import { invalid } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { dbUrl, prefix } from '../flags.ts';
import type { CommandGroup } from '../run.ts';

const roleArgument = () =>
  new Argument('<role>', 'server, agent or gateway').choices(['server', 'agent', 'gateway'] as const);

/** This sixpn's own bin/sixpn.js, symlinks resolved (npm's global bin is a link into lib/node_modules). */
function ownBin(): string {
  const bin = fileURLToPath(new URL('../../../bin/sixpn.js', import.meta.url));
  try {
    return realpathSync(bin);
  } catch {
    return bin;
  }
}

async function target() {
  const [{ systemdRunning }, { run }, { CONFIG_DIR }] = await Promise.all([
    import('../../install/install.ts'),
    import('../../runtime/exec.ts'),
    import('../../install/units.ts'),
  ]);
  return {
    unitDir: '/etc/systemd/system',
    configDir: CONFIG_DIR,
    systemctl: systemdRunning()
      ? async (args: readonly string[]) => void (await run('systemctl', args, { timeoutMs: 60_000 }))
      : undefined,
  };
}

interface InstallFlags {
  dryRun?: true | undefined;
  db?: string | undefined;
  listen?: string | undefined;
  hostname?: string[] | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  prefix?: string | undefined;
  insecureHttp?: true | undefined;
}

async function installAction(role: 'server' | 'agent' | 'gateway', o: InstallFlags, ctx: CliContext) {
  const { dryRun, ...server } = o;
  const given = Object.entries(server).filter(([, v]) => v !== undefined);
  if (role !== 'server' && given.length > 0) {
    const flag = `--${(given[0]?.[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw invalid(
      `${flag} is a flag of \`sixpn install server\`; the ${role} reads /etc/sixpn/${role}.toml`,
      {
        field: flag.slice(2),
      },
    );
  }
  const [{ serviceUnit, CONFIG_DIR }, { installUnit, envTemplate }] = await Promise.all([
    import('../../install/units.ts'),
    import('../../install/install.ts'),
  ]);
  const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(ctx.io.cwd, p));
  const unit = serviceUnit(
    role,
    { node: process.execPath, bin: ownBin(), configDir: CONFIG_DIR },
    {
      ...server,
      tlsCert: abs(server.tlsCert),
      tlsKey: abs(server.tlsKey),
      db: server.db?.startsWith('sqlite:') ? `sqlite:${abs(server.db.slice(7))}` : server.db,
    },
  );
  if (dryRun) {
    ctx.out(`# ${unit.name} (dry run: nothing written; secrets would go in ${unit.envFile}, 0600)`);
    ctx.io.stdout(unit.text);
    return;
  }
  const { newSecret } = await import('../../control/auth.ts');
  const lines = await installUnit(unit, await target(), () =>
    envTemplate(role, role === 'server' ? newSecret() : undefined),
  );
  for (const l of lines) ctx.out(l);
}

export const registerInstall: CommandGroup = (program, ctx) => {
  program
    .command('install')
    .description('write a hardened systemd unit for a sixpn service and enable it (root)')
    .addArgument(roleArgument())
    .option('--dry-run', 'print the unit and change nothing')
    .option(
      '--db <url>',
      'server: sqlite:PATH (default /var/lib/sixpn/server/sixpn.db) or postgres://USER@HOST/DB',
      dbUrl,
    )
    .option('--listen <addr>', 'server: HOST:PORT to serve the API on (default [::]:4280)')
    .option(
      '--hostname <name>',
      'server: a name for its own certificate (repeat)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--tls-cert <file>', 'server: your certificate chain (PEM)')
    .option('--tls-key <file>', 'server: the key of --tls-cert (PEM)')
    .option('--prefix <cidr>', 'server: the deployment /16', prefix)
    .option('--insecure-http', 'server: plain HTTP behind a TLS proxy')
    .addHelpText(
      'after',
      '\nThe unit runs `sixpn ROLE` as root with only the capabilities the role needs, a read-only system except\n' +
        'its state directory /var/lib/sixpn/ROLE, and secrets from /etc/sixpn/ROLE.env (0600; made when missing,\n' +
        'with a new admin token for the server). When systemd runs this machine it is enabled and (re)started.\n' +
        'The agent and gateway run from /etc/sixpn/ROLE.toml: `sixpn agent join URL TOKEN` first.',
    )
    .action((role, o) => installAction(role, o, ctx));

  program
    .command('uninstall')
    .description("stop, disable and remove a sixpn service's unit (keeps its state and environment file)")
    .addArgument(roleArgument())
    .action(async (role) => {
      const { uninstallUnit } = await import('../../install/install.ts');
      for (const l of await uninstallUnit(role, await target())) ctx.out(l);
    });
};
