// Test helper process: opens the store at argv[2], creates org argv[3], prints the revision of its entry.
// store-concurrency.test.ts starts several at once on one SQLite file, as several servers would.

import { openStore } from './open.ts';

const [url, org] = process.argv.slice(2);
if (!url || !org) throw new Error('usage: test-open-child.ts URL ORG');
const store = await openStore(url);
try {
  const created = await store.createOrg(org);
  const { changes } = await store.changesSince(0, 1000);
  const rev = changes.find((c) => c.kind === 'org' && c.id === created.id)?.rev;
  process.stdout.write(`${rev}\n`);
} finally {
  await store.close();
}
