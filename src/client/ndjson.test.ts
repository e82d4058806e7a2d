// Table tests of the NDJSON line splitter: chunk borders, UTF-8 split across chunks, CRLF, blank lines, no final \n.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineDecoder } from './ndjson.ts';

const enc = new TextEncoder();

function run(chunks: (string | Uint8Array)[]): string[] {
  const d = new LineDecoder();
  const out: string[] = [];
  for (const c of chunks) out.push(...d.push(typeof c === 'string' ? enc.encode(c) : c));
  out.push(...d.end());
  return out;
}

const euro = enc.encode('"€"\n'); // € is 3 bytes
const rows: [string, (string | Uint8Array)[], string[]][] = [
  ['one line', ['{"a":1}\n'], ['{"a":1}']],
  ['two lines in one chunk', ['1\n2\n'], ['1', '2']],
  ['a line across chunks', ['{"a"', ':1}\n{"b"', ':2}\n'], ['{"a":1}', '{"b":2}']],
  ['no final newline', ['1\n2'], ['1', '2']],
  ['CRLF endings', ['1\r\n2\r\n'], ['1', '2']],
  ['CR and LF in different chunks', ['1\r', '\n2\n'], ['1', '2']],
  ['blank lines skipped', ['\n\n1\n \n\n2\n'], ['1', '2']],
  ['empty stream', [], []],
  ['UTF-8 split inside a character', [euro.slice(0, 2), euro.slice(2)], ['"€"']],
  ['byte by byte', [...euro].map((b) => new Uint8Array([b])), ['"€"']],
];
for (const [name, chunks, want] of rows) test(name, () => assert.deepEqual(run(chunks), want));

test('push returns only complete lines', () => {
  const d = new LineDecoder();
  assert.deepEqual(d.push(enc.encode('ab')), []);
  assert.deepEqual(d.push(enc.encode('c\nd')), ['abc']);
  assert.deepEqual(d.end(), ['d']);
  assert.deepEqual(d.end(), []);
});
