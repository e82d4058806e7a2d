// Console benchmark (prints figures; not a test), in Debian's Chromium against an in-process control plane with
// 1,000 instances: the compressed bytes of the first load (the overview after sign-in: HTML, CSS, script), the
// time to load and render the apps page with 1,000 instances (the server's and the browser's share), and change → visible in the
// page (a state change committed in the store until the row shows it), p50/p99. Hold the e2e lock while it runs:
//
//   npm run build && flock /tmp/sixpn-e2e.lock node --import tsx bench/console/run.ts [--instances 1000] [--changes 50]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { runServer } from '../../src/control/main.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { launch, signedIn } from '../../test/e2e/console-support.ts';

const { values } = parseArgs({
  options: { instances: { type: 'string', default: '1000' }, changes: { type: 'string', default: '50' } },
});
const N = Number(values.instances);
const CHANGES = Number(values.changes);
const ADMIN = 'sixpn_benchconsole00000000000000000000000000000000';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** Bytes over the wire (compressed bodies and headers) of the page and everything it loaded. */
const transferred = (page: Page) =>
  page.evaluate(
    `performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((n, e) => n + e.transferSize, 0)`,
  ) as Promise<number>;

/** Resolves, in the page, with the wall-clock ms at which instance `id`'s row shows `state`. */
const whenRowShows = (page: Page, id: string, state: string) =>
  page.evaluate(`new Promise((resolve) => {
    const done = () => {
      if (document.getElementById(${JSON.stringify(`instance-${id}`)})?.dataset.state !== ${JSON.stringify(state)}) return false;
      resolve(performance.timeOrigin + performance.now());
      return true;
    };
    if (done()) return;
    const obs = new MutationObserver(() => done() && obs.disconnect());
    obs.observe(document.body, { subtree: true, childList: true, attributes: true });
  })`) as Promise<number>;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-bench-console-'));
  const abort = new AbortController();
  const srv = await runServer({
    db: `sqlite:${join(dir, 'bench.db')}`,
    listen: '127.0.0.1:0',
    logger: silentLogger,
    signal: abort.signal,
    adminToken: ADMIN,
  });
  const browser = await launch();
  try {
    const s = srv.store;
    await s.createRegion({ code: 'ord', name: 'Chicago', lat: 41.9, lon: -87.6 });
    for (let h = 0; h < 4; h++) await s.createHost({ name: `ord${h}`, region: 'ord', role: 'host' });
    await s.createOrg('bench');
    await s.createApp({ org: 'bench', name: 'web', private_network: true });
    const ids: string[] = [];
    for (let i = 0; i < N; i++)
      ids.push((await s.createInstance({ org: 'bench', app: 'web', region: 'ord' })).id);
    const url = `${srv.url}/`;
    const { page } = await signedIn(browser, url, ADMIN);
    console.log(
      `first load (overview after sign-in): ${((await transferred(page)) / 1024).toFixed(1)} KB compressed`,
    );

    const apps = `${srv.url}/orgs/bench/apps`;
    const loads: number[] = [];
    const server: number[] = [];
    const browserSide: number[] = [];
    for (let r = 0; r < 5; r++) {
      await page.goto(apps);
      const nav = (await page.evaluate(
        `(() => { const n = performance.getEntriesByType('navigation')[0]; return [n.requestStart, n.responseStart, n.responseEnd, n.loadEventEnd]; })()`,
      )) as number[];
      const [req = 0, first = 0, last = 0, loaded = 0] = nav;
      loads.push(loaded);
      server.push(first - req);
      browserSide.push(loaded - last);
    }
    const rows = await page.locator('tr[data-state]').count();
    console.log(
      `apps page, ${rows} instances: navigation → loaded ${pct(loads, 50).toFixed(0)} ms (median of 5), of which the server's render ${pct(server, 50).toFixed(0)} ms and the browser's parse+layout+paint ${pct(browserSide, 50).toFixed(0)} ms; ${((await transferred(page)) / 1024).toFixed(1)} KB compressed`,
    );

    await page.waitForFunction('document.getElementById("live").textContent.includes("following")');
    const lat: number[] = [];
    for (let k = 0; k < CHANGES; k++) {
      const id = ids[(k * 37) % ids.length] ?? '';
      const target = (await s.getInstance(id)).state === 'started' ? 'stopped' : 'started';
      const seen = whenRowShows(page, id, target);
      const t0 = performance.timeOrigin + performance.now();
      await s.setInstanceState(id, target);
      lat.push((await seen) - t0);
    }
    console.log(
      `change → visible (${CHANGES} state changes on the page of ${N} rows): p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms`,
    );
  } finally {
    await browser.close();
    abort.abort();
    await srv.done;
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
