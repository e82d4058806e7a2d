// `sixpn hosts create|list|show|delete|rotate-token|join-token`: the machines that run instances.

import type { CommandGroup } from '../run.ts';
import { hostColumns } from './columns.ts';
import { registerJoinTokens } from './join-tokens.ts';
import { registerMachines } from './machines.ts';

export const registerHosts: CommandGroup = (program, ctx) => {
  const hosts = registerMachines(program, ctx, {
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
  registerJoinTokens(hosts, ctx);
};
