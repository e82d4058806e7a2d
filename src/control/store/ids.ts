// The store's source of randomness for ids (o_3fa2…, see src/core/ids.ts) and instance numbers.

import { randomFillSync } from 'node:crypto';

/** CSPRNG bytes drawn 6 KiB at a time: one draw per 1,024 numbers, where each number cost a draw of its own. */
const pool = Buffer.alloc(6 * 1024);
let used = pool.length;

/** A uniform number in [0, 1) from the system CSPRNG: the default `random` of the store. */
export function cryptoRandom(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const n = pool.readUIntBE(used, 6);
  used += 6;
  return n / 2 ** 48;
}
