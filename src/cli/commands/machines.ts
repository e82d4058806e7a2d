// The shared shape of `sixpn hosts …` and `sixpn gateways …`: both are machines in a region with a token.

import type { ApiClient } from '../../client/api-client.ts';
import type { Host } from '../../core/model.ts';
import type { CliContext } from '../context.ts';
import { label, regionCode } from '../flags.ts';
import type { Column } from '../output.ts';
import type { Program } from '../run.ts';

export interface MachineKind {
  /** `hosts` or `gateways`. */
  group: string;
  /** `host` or `gateway`. */
  noun: string;
  description: string;
  columns: Column<Host>[];
  create: (c: ApiClient, body: { name: string; region: string }) => Promise<{ machine: Host; token: string }>;
  list: (c: ApiClient) => Promise<Host[]>;
  get: (c: ApiClient, name: string) => Promise<Host>;
  remove: (c: ApiClient, name: string) => Promise<void>;
  /** The command that uses the token, for the hint after create. */
  runWith: (name: string, region: string) => string;
}

/** Registers `<group> create|list|show|delete|rotate-token`; returns the group's command for more subcommands. */
export function registerMachines(program: Program, ctx: CliContext, k: MachineKind) {
  const cmd = program.command(k.group).description(k.description);
  const nameOf = label(`${k.noun} name`);

  cmd
    .command('create')
    .description(`create a ${k.noun} and print its token once (admin)`)
    .argument('<name>', `${k.noun} name: a DNS label`, nameOf)
    .requiredOption('--region <code>', 'region code, like ord', regionCode)
    .option('--json', `print {${k.noun}, token} as JSON`)
    .action(async (name, o) => {
      const { machine, token } = await k.create(await ctx.client(), { name, region: o.region });
      if (o.json) {
        ctx.json({ [k.noun]: machine, token });
        return;
      }
      ctx.out(`created ${k.noun} ${machine.name} in ${machine.region} (${k.noun} id ${machine.num})`);
      ctx.out(`${k.noun} token (shown once): ${token}`);
      ctx.out(`run it with: SIXPN_TOKEN=<token> ${k.runWith(machine.name, machine.region)} --api <url>`);
      ctx.out(
        `(easier on a new machine: \`sixpn hosts join-token create --region ${machine.region}${k.noun === 'gateway' ? ' --gateway' : ''}\`, then \`sixpn ${k.noun === 'gateway' ? 'gateway' : 'agent'} join <url> --token-file FILE\` there)`,
      );
    });

  cmd
    .command('list')
    .description(`list ${k.group}`)
    .option('--json', 'print a JSON array')
    .action(async (o) => ctx.list(await k.list(await ctx.client()), o.json, k.columns));

  cmd
    .command('show')
    .description(`show one ${k.noun}`)
    .argument('<name>', `${k.noun} name`, nameOf)
    .option('--json', 'print JSON')
    .action(async (name, o) => ctx.show(await k.get(await ctx.client(), name), o.json));

  cmd
    .command('delete')
    .description(`delete a ${k.noun}`)
    .argument('<name>', `${k.noun} name`, nameOf)
    .action(async (name) => {
      await k.remove(await ctx.client(), name);
      ctx.out(`deleted ${k.noun} ${name}`);
    });

  cmd
    .command('rotate-token')
    .description(`give a ${k.noun} a new token; the old one stops working at once (admin)`)
    .argument('<name>', `${k.noun} name`, nameOf)
    .option('--json', 'print {token, secret} as JSON')
    .action(async (name, o) => {
      const r = await (await ctx.client()).rotateToken(k.noun === 'gateway' ? 'gateway' : 'host', name);
      if (o.json) {
        ctx.json(r);
        return;
      }
      ctx.out(r.secret);
      ctx.io.stderr(
        `new token of ${k.noun} ${name} (shown once). On ${name}, as root, put it in its token file; the running ${k.noun} reads it on its next request:\n` +
          `  … | sixpn ${k.noun === 'gateway' ? 'gateway' : 'agent'} set-token        (reads the token on stdin)\n`,
      );
    });
  return cmd;
}
