// Ids of sixpn's records, branded so that an org id cannot be passed where an app id is wanted: a kind prefix and
// 12 hex digits (`o_3fa2c1d0b9e8`), and instance ids, the 8 hex digits of the instance number (`0a7b007d`).

import { instanceNumOfId } from './address.ts';
import { invalid } from './errors.ts';

declare const brand: unique symbol;

/** The record kinds with generated ids, by their one-letter prefix. */
export const ID_PREFIXES = {
  org: 'o',
  network: 'n',
  app: 'a',
  host: 'h',
  peer: 'p',
  token: 't',
  grant: 'g',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

/** The id of a record of kind `K`. (Networks and hosts also have 32-bit numbers: `NetworkId`/`HostId` in address.ts.) */
export type Id<K extends IdKind> = string & { readonly [brand]: K };
/** 8 lowercase hex digits, never all zero: the instance number of the address plan. */
export type InstanceId = string & { readonly [brand]: 'instance' };

const hex6 = (random: () => number) =>
  Math.min(0xffffff, Math.floor(random() * 0x1000000))
    .toString(16)
    .padStart(6, '0');

/** A new id: the kind's prefix, `_` and 12 hex digits from `random` (48 bits; the primary key catches collisions). */
export function newId<K extends IdKind>(kind: K, random: () => number): Id<K> {
  return `${ID_PREFIXES[kind]}_${hex6(random)}${hex6(random)}` as Id<K>;
}

/** Parses the id of a `kind` record; `field` names it in the message. */
export function parseId<K extends IdKind>(kind: K, text: string, field = `${kind} id`): Id<K> {
  const prefix = ID_PREFIXES[kind];
  if (new RegExp(`^${prefix}_[0-9a-f]{12}$`).test(text)) return text as Id<K>;
  throw invalid(
    `${field} '${text}' must be ${prefix}_ and 12 lowercase hex digits, like ${prefix}_3fa2c1d0b9e8`,
    {
      field,
    },
  );
}

/** Parses an instance id, case-insensitively (ids are printed lowercase); returns it lowercased. */
export function parseInstanceId(text: string, field = 'instance id'): InstanceId {
  const id = text.trim().toLowerCase();
  if (instanceNumOfId(id) !== undefined) return id as InstanceId;
  throw invalid(`${field} '${text}' must be 8 hex digits like 0a7b007d (see sixpn instances list)`, {
    field,
  });
}
