// The secret scan of the attack suite: exercises every kind of token against a lab running with
// SIXPN_LOG=debug, then looks for every token secret (and its hash in answers), the peers' private keys and the
// lab's mesh and peer keys (base64 and hex) in every file of the lab dir, every API answer and CLI output, and
// every row of the control plane's SQLite store. It proves first that it finds what is there.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, CreateTokenBody } from '../../src/client/api-client.ts';
import { hashSecret } from '../../src/control/auth.ts';
import { parseWgQuick } from '../../src/core/wg/wg-quick.ts';
import type { LabPlan } from '../../src/lab/plan.ts';
import { readLabState } from '../../src/lab/state.ts';
import { run } from '../../src/runtime/exec.ts';
import { filesUnder, keyForms, type Recorded, type Secret, scanTexts, sqliteRows } from './attack-support.ts';
import type { Cli } from './wireguard-support.ts';

export interface ScanContext {
  plan: LabPlan;
  /** Every API answer and CLI output so far; the clients below add theirs. */
  answers: Recorded[];
  /** An API client with `token` (default admin) that records its answers in `answers`. */
  client: (token?: string) => ApiClient;
  /** The sixpn CLI against the lab with `token`, recording its output in `answers`. */
  cli: (args: string[], token?: string) => Promise<Cli>;
  /** The wg-quick files of the peers alice and bob. */
  confs: { alice: string; bob: string };
}

/** Runs the scan; throws on any secret found; returns a one-line summary of what was scanned. */
export async function secretScan({ plan, answers, client, cli, confs }: ScanContext): Promise<string> {
  const c = client();
  // Exercise every kind of token, right and slightly wrong.
  // A token's secret is in the answer that creates it (shown once) and must be nowhere else: that answer is
  // checked to hold it (the scan sees it) and then left out of the scan.
  const made = async (body: CreateTokenBody) => {
    const { secret } = await c.createToken(body);
    const answer = answers.pop();
    assert.ok(
      answer?.what.endsWith('/v1/tokens') && scanTexts([answer], [{ name: 't', value: secret }]).length,
    );
    return secret;
  };
  const orgTok = await made({ kind: 'org', name: 'acme-ci', org: 'acme' });
  const peerTok = await made({ kind: 'peer', name: 'acme-peers', org: 'acme' });
  const adminTok = await made({ kind: 'admin', name: 'second-admin' });
  await client(orgTok).listApps('acme');
  await client(orgTok).snapshot();
  await client(adminTok).listOrgs();
  await client(`${orgTok}x`)
    .listApps('acme')
    .catch(() => undefined);
  await client(orgTok)
    .listApps('globex')
    .catch(() => undefined);
  const ci = await cli(['wireguard', 'create', 'acme', 'ord', 'ci-job', 'stdout'], peerTok);
  assert.equal(ci.code, 0, ci.stderr);
  const ciKey = parseWgQuick(ci.stdout).interface.privateKey;
  answers.pop(); // that answer is the config file itself, the one place its private key belongs
  await cli(['orgs', 'list'], peerTok);
  const lab = readLabState(plan.files.state);
  assert.ok(lab);
  for (const [name, tok] of Object.entries(lab.hostTokens))
    await client(tok)
      .snapshot()
      .then(() => name);
  await client(lab.hostTokens['ord-gw1'] ?? '').listGateways();
  await client().listTokens();
  await client().listPeers('acme');
  await client().getPeer('acme', 'alice');
  await client().listHosts();
  await client().snapshot();
  const ctl = new AbortController();
  const watch = await client().openWatch(0, ctl.signal);
  const reader = watch.body?.getReader();
  assert.ok(reader);
  let stream = '';
  const end = Date.now() + 1_000;
  while (Date.now() < end) {
    const next = await Promise.race([reader.read(), sleep(end - Date.now()).then(() => undefined)]);
    if (!next || next.done) break;
    stream += Buffer.from(next.value).toString();
  }
  ctl.abort();
  assert.match(stream, /"rev"/, 'the watch stream from revision 0');
  answers.push({ what: 'GET /v1/watch', text: stream });
  await sleep(500); // let debug lines reach the logs

  const tokens: Secret[] = [
    { name: 'the admin token', value: lab.adminToken },
    ...Object.entries(lab.hostTokens).map(([n, v]) => ({ name: `${n}'s token`, value: v })),
    { name: 'an org token', value: orgTok },
    { name: 'a near-miss of the org token', value: `${orgTok}x` },
    { name: 'a peer-only token', value: peerTok },
    { name: 'a second admin token', value: adminTok },
  ];
  const keys: Secret[] = [
    ...keyForms("alice's private key", parseWgQuick(readFileSync(confs.alice, 'utf8')).interface.privateKey),
    ...keyForms("bob's private key", parseWgQuick(readFileSync(confs.bob, 'utf8')).interface.privateKey),
    ...keyForms("ci-job's private key", ciKey),
  ];
  const keyFiles = (await run('find', [plan.dir, '-name', '*.key'])).stdout.split('\n').filter(Boolean);
  assert.ok(keyFiles.length >= plan.hosts.length + plan.gateways.length, `mesh/peer keys: ${keyFiles}`);
  for (const f of keyFiles) keys.push(...keyForms(`the key in ${f}`, readFileSync(f, 'utf8').trim()));
  const hashes: Secret[] = tokens.map((t) => ({
    name: `the hash of ${t.name}`,
    value: hashSecret(t.value),
  }));

  // The scanner finds what is there: a planted secret in a file, and each token's hash in the store.
  const plant = mkdtempSync(join(tmpdir(), 'sixpn-e2e-plant-'));
  try {
    const k = keys[1]!;
    writeFileSync(join(plant, 'x.log'), `{"level":20,"msg":"uapi","out":"private_key=${k.value}"}\n`);
    assert.deepEqual(scanTexts(filesUnder(plant), [k]), [`${k.name} in ${join(plant, 'x.log')}`]);
  } finally {
    rmSync(plant, { recursive: true, force: true });
  }
  const db = sqliteRows(join(plan.dir, 'control.db'));
  assert.ok(db.tables.length >= 8, `tables: ${db.tables}`);
  const mustStore = hashes.filter((h) => !/admin token|near-miss/.test(h.name) || h.name.includes('second'));
  const stored = new Set(scanTexts(db.rows, mustStore).map((h) => h.split(' in ')[0]));
  assert.deepEqual(
    [...stored].sort(),
    mustStore.map((h) => h.name).sort(),
    'each token is in the store, hashed',
  );

  // Everything the lab wrote except lab.json (the lab's own record of its tokens), the key files and the token
  // files (admin.token, each node's etc/<node>/*.token: the 0600 files where tokens belong).
  const files = filesUnder(
    plan.dir,
    (rel) =>
      rel === 'lab.json' ||
      rel.endsWith('.key') ||
      rel.endsWith('.token') ||
      rel === 'control.db' ||
      rel.startsWith('control.db-') ||
      rel === 'api.sock',
  );
  const logs = files.filter((f) => f.what.includes('/logs/'));
  assert.ok(logs.length >= 4, `log files: ${logs.map((f) => f.what)}`);
  const debugLines = logs.reduce((n, f) => n + (f.text.match(/"level":20/g)?.length ?? 0), 0);
  for (const node of ['control', ...plan.hosts.map((h) => h.name), ...plan.gateways.map((g) => g.name)]) {
    const log = logs.find((f) => f.what.endsWith(`/logs/${node}.log`));
    assert.match(log?.text ?? '', /"level":20/, `${node} logged at debug level`);
  }
  assert.match(
    logs.find((f) => f.what.endsWith('/logs/control.log'))?.text ?? '',
    /"msg":"api request"/,
    "the control plane's debug log has the requests",
  );
  assert.ok(answers.length > 20, `${answers.length} API answers and CLI outputs collected`);
  const all = [...tokens, ...keys];
  assert.deepEqual(scanTexts(files, all), [], 'lab files');
  assert.deepEqual(scanTexts(answers, [...all, ...hashes]), [], 'API answers and CLI output');
  assert.deepEqual(scanTexts(db.rows, all), [], 'store rows');
  return `${all.length} secrets × ${files.length} lab files (${debugLines} debug log lines), ${answers.length} answers and CLI outputs, ${db.rows.length} rows of ${db.tables.length} tables: none found`;
}
