// `sixpn regions create|list|show|delete`: region codes with coordinates (used for "nearest" DNS answers).

import { latitude, longitude, regionCode, text } from '../flags.ts';
import type { CommandGroup } from '../run.ts';
import { regionColumns } from './columns.ts';

export const registerRegions: CommandGroup = (program, ctx) => {
  const regions = program
    .command('regions')
    .description('regions like ord, nrt, ams, with latitude/longitude');

  regions
    .command('create')
    .description('create a region (admin)')
    .argument('<code>', 'region code: 2–8 lowercase letters or digits, like ord', regionCode)
    .requiredOption('--name <name>', 'human name, like Chicago', text('the region name'))
    .requiredOption('--lat <degrees>', 'latitude, -90 to 90', latitude)
    .requiredOption('--lon <degrees>', 'longitude, -180 to 180', longitude)
    .option('--json', 'print the created region as JSON')
    .action(async (code, o) => {
      const r = await (await ctx.client()).createRegion({ code, name: o.name, lat: o.lat, lon: o.lon });
      if (o.json) ctx.json(r);
      else ctx.out(`created region ${r.code} (${r.name}, ${r.lat}, ${r.lon})`);
    });

  regions
    .command('list')
    .description('list regions')
    .option('--json', 'print a JSON array')
    .action(async (o) => ctx.list(await (await ctx.client()).listRegions(), o.json, regionColumns));

  regions
    .command('show')
    .description('show one region')
    .argument('<code>', 'region code', regionCode)
    .option('--json', 'print JSON')
    .action(async (code, o) => ctx.show(await (await ctx.client()).getRegion(code), o.json));

  regions
    .command('delete')
    .description('delete a region (it must have no hosts)')
    .argument('<code>', 'region code', regionCode)
    .action(async (code) => {
      await (await ctx.client()).deleteRegion(code);
      ctx.out(`deleted region ${code}`);
    });
};
