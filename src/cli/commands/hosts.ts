// `sixpn hosts create|list|show|delete`: the machines that run instances.

import type { CommandGroup } from '../run.ts';
import { hostColumns } from './columns.ts';
import { registerMachines } from './machines.ts';

export const registerHosts: CommandGroup = (program, ctx) =>
  registerMachines(program, ctx, {
    group: 'hosts',
    noun: 'host',
    description: 'machines that run instances (each runs `sixpn agent`)',
    columns: hostColumns,
    create: async (c, body) => {
      const r = await c.createHost(body);
      return { machine: r.host, token: r.token };
    },
    list: (c) => c.listHosts(),
    get: (c, name) => c.getHost(name),
    remove: (c, name) => c.deleteHost(name),
    runWith: (name, region) => `sixpn agent --host ${name} --region ${region}`,
  });
