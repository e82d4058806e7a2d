// `sixpn cni install [--dir DIR]`: puts the sixpn CNI plugin where container runtimes find plugins.

import type { CliContext } from '../context.ts';
import type { CommandGroup, Program } from '../run.ts';

export const registerCni: CommandGroup = (program: Program, ctx: CliContext) => {
  const cni = program
    .command('cni')
    .description('the sixpn CNI plugin for container runtimes (Podman, containerd)');
  cni
    .command('install')
    .description('write the `sixpn` plugin into a CNI plugin directory (a wrapper running this sixpn)')
    .option('--dir <dir>', 'CNI plugin directory', '/opt/cni/bin')
    .option('--force', 'replace a `sixpn` there that is not sixpn’s wrapper')
    .action(async (o) => {
      const { installPlugin } = await import('../../cni/install.ts');
      const path = await installPlugin(o.dir, { force: o.force === true });
      ctx.out(`installed the sixpn CNI plugin: ${path}\n`);
    });
};
