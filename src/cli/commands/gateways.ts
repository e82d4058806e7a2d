// `sixpn gateways create|list|show|delete`: the machines that terminate WireGuard peers of a region.

import type { CommandGroup } from '../run.ts';
import { gatewayColumns } from './columns.ts';
import { registerMachines } from './machines.ts';

export const registerGateways: CommandGroup = (program, ctx) =>
  registerMachines(program, ctx, {
    group: 'gateways',
    noun: 'gateway',
    description: 'machines that terminate WireGuard peers for a region (each runs `sixpn gateway`)',
    columns: gatewayColumns,
    create: async (c, body) => {
      const r = await c.createGateway(body);
      return { machine: r.gateway, token: r.token };
    },
    list: (c) => c.listGateways(),
    get: (c, name) => c.getGateway(name),
    remove: (c, name) => c.deleteGateway(name),
    runWith: (name, region) => `sixpn gateway --name ${name} --region ${region} --endpoint <ip>:51820`,
  });
