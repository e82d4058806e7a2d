// Runs the example of README.md as written and checks it prints what its `// =>` comments say.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runReadmeExample } from '../../test/support/readme-example.ts';

test('the README example runs and prints what it promises', async () => {
  const { promised, stdout } = await runReadmeExample(new URL('./', import.meta.url));
  assert.ok(promised.length > 0, 'the example promises some output');
  assert.deepEqual(stdout.trim().split('\n'), promised);
});
