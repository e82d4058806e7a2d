import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, Logger } from './log.ts';
import { CENSOR, levelValue, redact, SECRET_PATHS } from './log-line.ts';

function capture(level: string): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const log = new Logger({ write: (l) => out.push(l) }, level);
  return { log, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('a line: numeric level, time, pid, fields, msg, in that order', () => {
  const { log, lines } = capture('info');
  const before = Date.now();
  log.info({ host: 'h1', n: 2 }, 'pass done');
  log.warn('no fields');
  const [a, b] = lines();
  assert.deepEqual(Object.keys(a!), ['level', 'time', 'pid', 'host', 'n', 'msg']);
  assert.deepEqual(
    { ...a, time: 0 },
    { level: 30, time: 0, pid: process.pid, host: 'h1', n: 2, msg: 'pass done' },
  );
  assert.ok((a!.time as number) >= before);
  assert.deepEqual({ level: b!.level, msg: b!.msg }, { level: 40, msg: 'no fields' });
});

test('levels: what each threshold lets through', () => {
  const table: [string, number[]][] = [
    ['trace', [20, 30, 40, 50]],
    ['debug', [20, 30, 40, 50]],
    ['info', [30, 40, 50]],
    ['warn', [40, 50]],
    ['error', [50]],
    ['fatal', []],
    ['silent', []],
  ];
  for (const [level, want] of table) {
    const { log, lines } = capture(level);
    log.debug('d');
    log.info({}, 'i');
    log.warn({}, 'w');
    log.error({}, 'e');
    assert.deepEqual(
      lines().map((l) => l.level),
      want,
      level,
    );
  }
});

test('level: readable, settable, an unknown name refused with the known ones', () => {
  const { log, lines } = capture('info');
  assert.equal(log.level, 'info');
  log.level = 'silent';
  log.error('dropped');
  assert.equal(lines().length, 0);
  assert.throws(() => {
    log.level = 'loud';
  }, /unknown log level "loud": use one of trace, debug, info, warn, error, fatal, silent/);
  assert.throws(() => createLogger({ level: 'verbose' }), /unknown log level "verbose"/);
  assert.equal(levelValue('silent'), Infinity);
});

test('child loggers: bindings on every line, nested, at the parent level, the level their own after', () => {
  const { log, lines } = capture('info');
  const dns = log.child({ component: 'dns' });
  const worker = dns.child({ worker: 1 });
  worker.info({ q: 3 }, 'served');
  dns.debug('hidden');
  worker.level = 'debug';
  worker.debug('shown');
  dns.debug('still hidden');
  assert.deepEqual(
    lines().map(({ time: _t, pid: _p, ...rest }) => rest),
    [
      { level: 30, component: 'dns', worker: 1, q: 3, msg: 'served' },
      { level: 20, component: 'dns', worker: 1, msg: 'shown' },
    ],
  );
  assert.equal(log.level, 'info');
});

test('redaction: secret keys at the top, one level down, in headers and in bindings; the caller keeps its objects', () => {
  const table: [Record<string, unknown>, Record<string, unknown>][] = [
    [
      { token: 't', host: 'h' },
      { token: CENSOR, host: 'h' },
    ],
    [
      { secret: 's', private_key: 'k', privateKey: 'k', authorization: 'Bearer x' },
      { secret: CENSOR, private_key: CENSOR, privateKey: CENSOR, authorization: CENSOR },
    ],
    [{ peer: { name: 'p', private_key: 'k' } }, { peer: { name: 'p', private_key: CENSOR } }],
    [{ opts: { token: 't', secret: 's' } }, { opts: { token: CENSOR, secret: CENSOR } }],
    [
      { headers: { authorization: 'Bearer x', accept: '*/*' } },
      { headers: { authorization: CENSOR, accept: '*/*' } },
    ],
    [{ req: { headers: { authorization: 'Bearer x' } } }, { req: { headers: { authorization: CENSOR } } }],
    [{ list: [{ token: 't' }] }, { list: [{ token: 't' }] }],
    [{ token: undefined, n: 1 }, { n: 1 }],
    [{ a: { b: { token: 'deeper than the paths' } } }, { a: { b: { token: 'deeper than the paths' } } }],
  ];
  for (const [fields, want] of table) {
    const { log, lines } = capture('info');
    const copy = structuredClone(fields);
    log.info(fields, 'm');
    const { level: _l, time: _t, pid: _p, msg: _m, ...got } = lines()[0]!;
    assert.deepEqual(got, want, JSON.stringify(fields));
    assert.deepEqual(fields, copy, "the caller's object is unchanged");
  }
  const { log, lines } = capture('info');
  log.child({ token: 't', host: 'h' }).info('m');
  assert.deepEqual([lines()[0]!.token, lines()[0]!.host], [CENSOR, 'h']);
  assert.deepEqual(redact({ token: 't' }, []), { token: 't' });
  assert.ok(SECRET_PATHS.includes('*.private_key'));
});

test('errors under err: type, message and stack with their causes, own fields; a string err stays as it is', () => {
  const { log, lines } = capture('info');
  const cause = new TypeError('socket closed');
  const e = Object.assign(new Error('watch failed', { cause }), { code: 'E_UNAVAILABLE' });
  log.error({ err: e }, 'watch stream broke');
  log.error({ err: new AggregateError([new Error('a')], 'all failed') }, 'm');
  log.warn({ err: 'plain text' }, 'w');
  const [a, agg, b] = lines();
  const err = a!.err as Record<string, unknown>;
  assert.deepEqual(
    { ...err, stack: 0 },
    { type: 'Error', message: 'watch failed: socket closed', stack: 0, code: 'E_UNAVAILABLE' },
  );
  assert.match(
    err.stack as string,
    /^Error: watch failed\n {4}at [\s\S]*\ncaused by: TypeError: socket closed\n {4}at /,
  );
  const aggErr = agg!.err as { type: string; aggregateErrors: { message: string }[] };
  assert.deepEqual([aggErr.type, aggErr.aggregateErrors.map((x) => x.message)], ['AggregateError', ['a']]);
  assert.equal(b!.err, 'plain text');
});

test('values JSON cannot take: cycles and bigints still make a line', () => {
  const { log, lines } = capture('info');
  const o: Record<string, unknown> = { name: 'x' };
  o.self = o;
  log.info({ o, big: 10n, same: [1, 1] }, 'odd');
  const l = lines()[0]!;
  assert.deepEqual([l.o, l.big, l.same], [{ name: 'x', self: '[Circular]' }, '10', [1, 1]]);
});

function runLogging(lines: string[], env: Record<string, string>) {
  const log = JSON.stringify(new URL('./log.ts', import.meta.url).pathname);
  const script = [`import { createLogger } from ${log};`, ...lines, 'process.exit(3);'].join('\n');
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, NODE_TEST_CONTEXT: '', ...env },
    encoding: 'utf8',
  });
}

test('createLogger: SIXPN_LOG sets the level; every line is written out when the process exits at once', () => {
  const r = runLogging(
    [
      `const log = createLogger().child({ component: 'agent' });`,
      `for (let i = 0; i < 2000; i++) log.debug({ i, token: 'secret-value' }, 'step');`,
      `log.info('last');`,
    ],
    { SIXPN_LOG: 'debug' },
  );
  assert.equal(r.status, 3, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2001);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).i),
    [...Array.from({ length: 2000 }, (_, i) => i), undefined],
  );
  assert.ok(!r.stderr.includes('secret-value'));
  assert.equal(JSON.parse(lines[2000]!).msg, 'last');
  assert.equal(r.stdout, '');
});

test('createLogger: a destination descriptor gets the lines instead of stderr', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sixpn-log-')), 'out.log');
  const r = runLogging(
    [
      `import { openSync } from 'node:fs';`,
      `createLogger({ destination: openSync(${JSON.stringify(file)}, 'w') }).warn({ n: 1 }, 'to the file');`,
    ],
    { SIXPN_LOG: 'info' },
  );
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).msg),
    ['to the file'],
  );
});
