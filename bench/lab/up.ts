// The lab every lab-based benchmark starts: hosts from a `--regions` flag, no gateways, no demo, the lab's
// progress on stderr (stdout stays the bench's figures), stopped early by `signal`.

import { parseRegionCounts } from '../../src/lab/regions.ts';
import { labUp } from '../../src/lab/up.ts';

/** `labUp` for a benchmark: `name` is the lab's name, `regions` the bench's `--regions` value (e.g. `ord=3`). */
export const benchLabUp = (name: string, regions: string, signal: AbortSignal) =>
  labUp({
    regions: parseRegionCounts(regions),
    gateways: [],
    noDemo: true,
    name,
    progress: (l) => process.stderr.write(`lab: ${l}\n`),
    signal,
  });
