// withLab(): the set-up and teardown every end-to-end file shares. Called inside a `describe`, it brings up a lab
// of its own in `before` (a random name, so a lab someone runs on this machine meanwhile is neither touched nor
// in the way) and takes it down in `after` even when set-up or a check failed, keeping the lab's logs then.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it, type TestContext } from 'node:test';
import { ApiClient } from '../../src/client/api-client.ts';
import { labDown } from '../../src/lab/down.ts';
import { type LabPlan, labDirOf } from '../../src/lab/plan.ts';
import type { RegionCount } from '../../src/lab/regions.ts';
import type { LabState } from '../../src/lab/state.ts';
import { labUp } from '../../src/lab/up.ts';
import { instNs } from './support.ts';

interface WithLabOptions {
  /** First letter of the lab's name; three random hex digits follow. */
  letter: string;
  regions: RegionCount[];
  /** Regions that get a gateway. */
  gateways: string[];
  /** Timeout of each check, ms (default 90 s). */
  checkTimeoutMs?: number;
  /** Environment the lab's processes inherit while the suite runs (restored after). */
  env?: Record<string, string>;
  /** Runs before the lab comes up (e.g. a snapshot of the machine's own state). */
  beforeUp?: () => Promise<void>;
  /** More set-up once the lab is up (peers, load); a failure here counts as a failed check. */
  setUp?: (lab: Lab) => Promise<void>;
  /** Undoes what the suite added, before the lab goes down; runs even when set-up failed. */
  tearDown?: (lab: Lab) => Promise<void>;
}

/** A demo instance of the lab, with the namespace it runs in. */
export interface LabInstance {
  id: string;
  ns: string;
  address: string;
  host: string;
  region: string;
}

export interface Lab {
  /** The lab's name (known at once, for interface names). */
  readonly name: string;
  readonly plan: LabPlan;
  readonly state: LabState;
  /** A temporary directory of the suite (the CLI's working directory, peer files), removed at the end. */
  readonly dir: string;
  /** The demo instance of `app` (on `host` when given); asserts there is one with an address. */
  inst(app: string, host?: string): LabInstance;
  /** A name for a WireGuard interface made outside the lab (wg-quick in a laptop); its socket goes at the end. */
  iface(suffix: string): string;
  /** An API client with the admin token. */
  admin(): ApiClient;
  /** A test whose failure keeps the lab's logs for a look. */
  check(name: string, f: (t: TestContext) => Promise<void>, timeout?: number, skip?: string): void;
  /** Seconds since the suite's set-up began, for progress lines. */
  elapsed(): string;
}

/** Registers `before`/`after` hooks that bring a lab up and down; call it inside a `describe`. */
export function withLab(o: WithLabOptions): Lab {
  const name = `${o.letter}${randomBytes(2).toString('hex').slice(0, 3)}`;
  let up: { plan: LabPlan; state: LabState } | undefined;
  let dir = '';
  let failed = false;
  let t0 = Date.now();
  const ifaces: string[] = [];
  const saved = Object.fromEntries(Object.keys(o.env ?? {}).map((k) => [k, process.env[k]]));
  const ready = () => {
    assert.ok(up, 'the lab is up');
    return up;
  };
  const lab: Lab = {
    name,
    get plan() {
      return ready().plan;
    },
    get state() {
      return ready().state;
    },
    get dir() {
      return dir;
    },
    inst(app, host) {
      const i = ready().state.demo.find((d) => d.app === app && (host === undefined || d.host === host));
      assert.ok(i?.address, `demo instance ${app}${host ? `@${host}` : ''}`);
      return { id: i.id, ns: instNs(i.id), address: i.address, host: i.host, region: i.region };
    },
    iface(suffix) {
      const i = `sx${name}${suffix}`;
      ifaces.push(i);
      return i;
    },
    admin: () => new ApiClient({ baseUrl: lab.plan.underlay.apiSocketUrl, token: lab.state.adminToken }),
    check(title, f, timeout = o.checkTimeoutMs ?? 90_000, skip) {
      it(title, { timeout, skip: skip ?? false }, async (t) => {
        try {
          await f(t);
        } catch (e) {
          failed = true;
          throw e;
        }
      });
    },
    elapsed: () => ((Date.now() - t0) / 1000).toFixed(1),
  };

  before(async () => {
    t0 = Date.now();
    Object.assign(process.env, o.env);
    dir = mkdtempSync(join(tmpdir(), `sixpn-e2e-${name}-`));
    try {
      await o.beforeUp?.();
      up = await labUp({
        name,
        regions: o.regions,
        gateways: o.gateways,
        progress: (line) => process.stderr.write(`e2e: ${lab.elapsed()} s lab: ${line}\n`),
      });
      process.stderr.write(`e2e: lab up in ${lab.elapsed()} s\n`);
      await o.setUp?.(lab);
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  after(async () => {
    try {
      if (up) await o.tearDown?.(lab);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      keepLogs(name, failed);
      await labDown({ name });
      for (const i of ifaces) rmSync(`/var/run/wireguard/${i}.sock`, { force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
  return lab;
}

/** After a failure, copies the lab's logs somewhere `lab down` leaves alone and says where. */
function keepLogs(name: string, failed: boolean): void {
  const logs = join(labDirOf(name), 'logs');
  if (!failed || !existsSync(logs)) return;
  const keep = mkdtempSync(join(tmpdir(), 'sixpn-e2e-logs-'));
  cpSync(logs, keep, { recursive: true });
  process.stderr.write(`e2e: a check failed; the lab's logs are kept in ${keep}\n`);
}
