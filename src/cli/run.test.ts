import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandGroups } from './commands/index.ts';
import type { CliContext } from './context.ts';
import { groupsFor, type LazyGroup, type Program } from './run.ts';

const group = (...names: string[]): LazyGroup => ({ names, load: async () => () => {} });
const orgs = group('orgs');
const wg = group('wireguard', 'wg');
const all = [orgs, wg];

describe('groupsFor: which command groups a run imports', () => {
  const cases: [string, string[], LazyGroup[]][] = [
    ['a command loads its group only', ['orgs', 'list'], [orgs]],
    ['an alias counts as the name', ['wg', 'list'], [wg]],
    ['root options before the command are skipped with their values', ['--api', 'orgs', 'wg', 'list'], [wg]],
    ['--token takes a value too', ['--token', 'wg', 'orgs'], [orgs]],
    ['a bare --version loads nothing', ['--version'], []],
    ['-V loads nothing', ['-V'], []],
    ['--help loads every group (help lists them)', ['--help'], all],
    ['no arguments: every group (help)', [], all],
    ['an unknown command: every group (suggestions)', ['orgz'], all],
    ['help CMD: every group', ['help', 'orgs'], all],
  ];
  for (const [name, argv, want] of cases) test(name, () => assert.deepEqual(groupsFor(all, argv), want));
});

test('every command group registers exactly the names its entry declares', async () => {
  const { Command } = await import('@commander-js/extra-typings');
  for (const g of commandGroups) {
    const program = new Command('sixpn');
    (await g.load())(program as unknown as Program, {} as CliContext); // registering runs no action
    const registered = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    assert.deepEqual(registered.sort(), [...g.names].sort(), `group ${g.names[0]}`);
  }
});
