import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execLine, pathList, quoteExecArg, renderUnit } from './systemd-unit.ts';

test('quoteExecArg leaves plain words alone and quotes or doubles what systemd would read otherwise', () => {
  const cases: [string, string][] = [
    ['server', 'server'],
    ['--listen', '--listen'],
    ['[::]:4280', '[::]:4280'],
    ['sqlite:/var/lib/sixpn/server/sixpn.db', 'sqlite:/var/lib/sixpn/server/sixpn.db'],
    ['', '""'],
    ['a b', '"a b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['100%', '100%%'],
    ['$HOME', '$$HOME'],
    ['a;b', '"a;b"'],
  ];
  for (const [arg, want] of cases) assert.equal(quoteExecArg(arg), want, arg);
  assert.throws(() => quoteExecArg('a\nb'), /line break/);
});

test('execLine needs an absolute program', () => {
  assert.equal(execLine(['/usr/bin/node', '/x/sixpn.js', 'agent']), '/usr/bin/node /x/sixpn.js agent');
  assert.throws(() => execLine(['node', 'x']), /absolute path/);
  assert.throws(() => execLine([]), /absolute path/);
});

test('pathList joins absolute paths and refuses spaces and relative ones', () => {
  assert.equal(pathList(['/var/lib/sixpn/agent', '-/run/netns']), '/var/lib/sixpn/agent -/run/netns');
  assert.throws(() => pathList(['/a b']), /space/);
  assert.throws(() => pathList(['rel/dir']), /absolute/);
});

test('renderUnit writes a header, sections and entries in order; a line break in a value is refused', () => {
  const text = renderUnit(
    ['made by a test'],
    [
      { name: 'Unit', entries: [['Description', 'x']] },
      {
        name: 'Service',
        entries: [
          ['ExecStartPre', '/bin/true'],
          ['ExecStartPre', '/bin/false'],
        ],
      },
    ],
  );
  assert.equal(
    text,
    '# made by a test\n\n[Unit]\nDescription=x\n\n[Service]\nExecStartPre=/bin/true\nExecStartPre=/bin/false\n',
  );
  assert.throws(() => renderUnit([], [{ name: 'Unit', entries: [['Description', 'a\nb']] }]), /line break/);
  assert.throws(() => renderUnit([], [{ name: 'Unit', entries: [['Bad Key', 'a']] }]), /setting name/);
});
