// The store's source of randomness for ids (o_3fa2…, see src/core/ids.ts) and instance numbers.

import { randomBytes } from 'node:crypto';

/** A uniform number in [0, 1) from the system CSPRNG: the default `random` of the store. */
export function cryptoRandom(): number {
  return randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
}
