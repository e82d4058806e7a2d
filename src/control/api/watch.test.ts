// The watch stream: every change in order, resume by revision with nothing missed or repeated, 410 when too old.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestApi, testApi } from './test-support.ts';

/** Reads NDJSON objects from a watch response until `n` changes arrived (heartbeats are returned too). */
async function readChanges(
  res: Response,
  n: number,
  untilBeat = false,
): Promise<{ changes: { rev: number; kind: string }[]; beats: number[] }> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const changes: { rev: number; kind: string }[] = [];
  const beats: number[] = [];
  while (untilBeat ? beats.length < 2 : changes.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const obj = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if ('heartbeat' in obj) beats.push(obj.heartbeat);
      else changes.push(obj);
      nl = buf.indexOf('\n');
    }
  }
  await reader.cancel();
  return { changes, beats };
}

describe('watch', () => {
  let t: TestApi;
  before(async () => {
    t = await testApi();
  });
  after(() => t.close());

  const watch = (since: number, token: string) =>
    t.raw(`/v1/watch?since=${since}`, { headers: { authorization: `Bearer ${token}` } });

  test('streams changes as they commit, and resumes from the last revision', async () => {
    const start = await t.store.headRevision();
    const res = await watch(start, t.admin);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /ndjson/);
    const reading = readChanges(res, 3);
    await t.call('POST', '/v1/orgs', t.admin, { name: 'w1' }); // org + default network = 2 changes
    await t.call('POST', '/v1/regions', t.admin, { code: 'ams', name: 'Amsterdam', lat: 52.4, lon: 4.9 });
    const first = await reading;
    assert.deepEqual(
      first.changes.map((c) => c.kind),
      ['org', 'network', 'region'],
    );
    const revs = first.changes.map((c) => c.rev);
    assert.deepEqual(revs, [start + 1, start + 2, start + 3]);

    // commits while disconnected, then resume from the last revision seen
    await t.call('POST', '/v1/orgs', t.admin, { name: 'w2' });
    const again = await readChanges(await watch(revs[2]!, t.admin), 2);
    assert.deepEqual(
      again.changes.map((c) => c.rev),
      [start + 4, start + 5],
    );
  });

  test('an org token sees only its org, and heartbeats carry the revision examined', async () => {
    await t.call('POST', '/v1/orgs', t.admin, { name: 'w3' });
    const tok = (await t.call('POST', '/v1/tokens', t.admin, { kind: 'org', name: 'w', org: 'w3' })).json
      .secret;
    const head = await t.store.headRevision();
    const res = await watch(head, tok);
    const reading = readChanges(res, 1);
    await t.call('POST', '/v1/orgs/w2/networks', t.admin, { name: 'hidden' });
    await t.call('POST', '/v1/orgs/w3/networks', t.admin, { name: 'seen' });
    const got = await reading;
    assert.equal(got.changes.length, 1);
    assert.equal((got.changes[0] as unknown as { obj: { name: string } }).obj.name, 'seen');

    // a change the token may not see still advances the cursor: the heartbeat reports it as examined
    const from = await t.store.headRevision();
    const res2 = await watch(from, tok);
    await t.call('POST', '/v1/orgs/w2/networks', t.admin, { name: 'hidden2' });
    const idle = await readChanges(res2, 0, true);
    assert.deepEqual(idle.changes, []);
    assert.deepEqual(idle.beats, [from, from + 1]);
  });

  test('SSE framing with Accept: text/event-stream', async () => {
    const head = await t.store.headRevision();
    const res = await t.raw(`/v1/watch?since=${head}`, {
      headers: { authorization: `Bearer ${t.admin}`, accept: 'text/event-stream' },
    });
    assert.match(res.headers.get('content-type') ?? '', /event-stream/);
    const reader = res.body!.getReader();
    await t.call('POST', '/v1/orgs', t.admin, { name: 'w4' });
    let text = '';
    while (!text.includes('event: change')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    assert.match(text, new RegExp(`^event: heartbeat\\ndata: \\{"heartbeat":${head}\\}\\n\\n`));
    assert.match(text, new RegExp(`\\n\\nid: ${head + 1}\\nevent: change\\ndata: \\{`));
  });

  test('a revision older than the retained history is 410 resync_required', async () => {
    for (let i = 0; i < 5; i++) await t.call('POST', '/v1/orgs', t.admin, { name: `p${i}` });
    await t.store.pruneChanges(3);
    const r = await watch(0, t.admin);
    assert.equal(r.status, 410);
    const body = (await r.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'resync_required');
    const future = await watch((await t.store.headRevision()) + 10, t.admin);
    assert.equal(future.status, 410);
  });

  test('peer tokens cannot read state', async () => {
    const tok = (await t.call('POST', '/v1/tokens', t.admin, { kind: 'peer', name: 'ci', org: 'w3' })).json
      .secret;
    assert.equal((await t.call('GET', '/v1/snapshot', tok)).status, 403);
    assert.equal((await watch(0, tok)).status, 403);
  });
});
