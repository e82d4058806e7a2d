// Table tests of the CLI printers: aligned columns, key: value lines, cells.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Column, cell, formatJson, formatKeyValues, formatTable } from './output.ts';

interface Row {
  id: string;
  state: string;
  address: string | null;
  up: boolean;
}
const cols: Column<Row>[] = [
  { header: 'ID', get: (r) => r.id },
  { header: 'STATE', get: (r) => r.state },
  { header: 'UP', get: (r) => r.up },
  { header: 'ADDRESS', get: (r) => r.address },
];

test('formatTable aligns columns two spaces apart, no trailing spaces', () => {
  const rows: Row[] = [
    { id: '0a7b007d', state: 'started', address: 'fdaa:0:18:a7b:7d:f066:b83b:2', up: true },
    { id: '1', state: 'stopped', address: null, up: false },
  ];
  assert.equal(
    formatTable(cols, rows),
    [
      'ID        STATE    UP   ADDRESS',
      '0a7b007d  started  yes  fdaa:0:18:a7b:7d:f066:b83b:2',
      '1         stopped  no   -',
      '',
    ].join('\n'),
  );
});

test('formatTable with no rows prints the header', () => {
  assert.equal(formatTable(cols, []), 'ID  STATE  UP  ADDRESS\n');
});

test('formatTable counts characters, not UTF-16 units, and flattens newlines', () => {
  const c: Column<{ a: string; b: string }>[] = [
    { header: 'A', get: (r) => r.a },
    { header: 'B', get: (r) => r.b },
  ];
  assert.equal(
    formatTable(c, [
      { a: 'Zürich 🏔', b: 'x' },
      { a: 'two\nlines', b: 'y' },
    ]),
    'A          B\nZürich 🏔   x\ntwo lines  y\n',
  );
});

test('formatKeyValues aligns values in key order; booleans stay true/false', () => {
  assert.equal(
    formatKeyValues({ name: 'web', private_network: true, network: null, num: 5 }),
    'name:            web\nprivate_network: true\nnetwork:         -\nnum:             5\n',
  );
  assert.equal(formatKeyValues({}), '');
});

const cells: [unknown, string][] = [
  [null, '-'],
  [undefined, '-'],
  ['', '-'],
  [0, '0'],
  [true, 'yes'],
  [false, 'no'],
  ['a\tb', 'a b'],
  [{ a: 1 }, '{"a":1}'],
];
for (const [v, want] of cells)
  test(`cell(${JSON.stringify(v)}) = ${want}`, () => assert.equal(cell(v), want));

test('formatJson is indented and ends with one newline', () => {
  assert.equal(formatJson([{ a: 1 }]), '[\n  {\n    "a": 1\n  }\n]\n');
});
