// Ids generated in the application (no identity columns): a kind prefix and 12 random hex digits, `o_3fa2…`.

import { randomBytes } from 'node:crypto';

export type IdPrefix = 'o' | 'n' | 'a' | 'h' | 'p' | 't';

/** A uniform number in [0, 1) from the system CSPRNG: the default `random` of the store. */
export function cryptoRandom(): number {
  return randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
}

const hex6 = (random: () => number) =>
  Math.min(0xffffff, Math.floor(random() * 0x1000000))
    .toString(16)
    .padStart(6, '0');

/** `<prefix>_` + 12 hex digits. Collisions are left to the primary key (48 random bits). */
export function newId(prefix: IdPrefix, random: () => number): string {
  return `${prefix}_${hex6(random)}${hex6(random)}`;
}
