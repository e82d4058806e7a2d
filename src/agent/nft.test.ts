// When the isolation table is re-applied: missing, another fingerprint, or another shape; never when it is right.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedListing, nftFingerprint, nftNeedsApply, sameShape } from '../core/nft/check.ts';
import type { TableListing } from '../core/nft/listing.ts';
import { LocalState } from '../core/state.ts';
import { agentFleet } from '../core/test-fleet.ts';
import { applyIsolation } from '../runtime/nft.ts';
import { MemoryNft } from '../runtime/nft-fake.ts';
import { desiredState } from './desired.ts';
import { identity } from './test-fixture.ts';

const F = agentFleet();

const spec = desiredState(new LocalState(F.snapshot()), identity('h1')).nft;
const other = { ...spec, guards: spec.guards.slice(1), networks: spec.networks.slice(1) };

test('the expected listing is what the table looks like after applying the spec', async () => {
  const nft = new MemoryNft();
  await applyIsolation(nft, spec);
  const listed = (await nft.list(spec.table)) as TableListing;
  assert.ok(sameShape(expectedListing(spec), listed));
  assert.equal(sameShape(expectedListing(other), listed), false);
});

test('fingerprints: stable for one spec, different for another', () => {
  assert.equal(nftFingerprint(spec), nftFingerprint(structuredClone(spec)));
  assert.notEqual(nftFingerprint(spec), nftFingerprint(other));
});

const rows: {
  name: string;
  listing: () => TableListing | undefined;
  hash: () => string | undefined;
  want: boolean;
}[] = [
  {
    name: 'right table, same fingerprint',
    listing: () => expectedListing(spec),
    hash: () => nftFingerprint(spec),
    want: false,
  },
  { name: 'no table', listing: () => undefined, hash: () => nftFingerprint(spec), want: true },
  {
    name: 'no fingerprint (never applied by us)',
    listing: () => expectedListing(spec),
    hash: () => undefined,
    want: true,
  },
  {
    name: 'another fingerprint',
    listing: () => expectedListing(spec),
    hash: () => nftFingerprint(other),
    want: true,
  },
  {
    name: 'a rule deleted by hand',
    listing: () => {
      const l = expectedListing(spec);
      l.chains.set('forward', (l.chains.get('forward') ?? 1) - 1);
      return l;
    },
    hash: () => nftFingerprint(spec),
    want: true,
  },
  {
    name: 'a set emptied by hand',
    listing: () => {
      const l = expectedListing(spec);
      const s = l.sets.get('guarded');
      if (s) l.sets.set('guarded', Object.assign({}, s, { elements: 0, elem: [] }));
      return l;
    },
    hash: () => nftFingerprint(spec),
    want: true,
  },
];
for (const r of rows) {
  test(`nftNeedsApply: ${r.name} → ${r.want}`, () => {
    assert.equal(nftNeedsApply(spec, { listing: r.listing(), appliedHash: r.hash() }), r.want);
  });
}
