// The instances runtimes ask the agent for over its local socket (`sixpn run`, the CNI plugin): created on this
// host through the API with the host's own token, remembered per runtime key in `<state-dir>/workloads/<id>.json`
// (which namespace: the agent's own, or the runtime's pinned), set up by the agent's next pass, stopped or deleted
// on request, and — for `sixpn run` — stopped when the process that asked and every process in the namespace are
// gone (checked every resync interval). The other way round, a `sixpn run` instance stopped or deleted through the
// API (not by its own `sixpn run`) ends its command: the agent sends `sixpn run` SIGTERM, like `docker stop`.

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressPlan } from '../core/address.ts';
import { alreadyExists, invalid, isSixpnError, SixpnError } from '../core/errors.ts';
import { isoTime } from '../core/iso-time.ts';
import type { Instance } from '../core/model.ts';
import type { LocalState } from '../core/state.ts';
import type { Logger } from '../lib/log.ts';
import { type AttachedAs, appNameOf, netnsName } from './desired.ts';
import type { ReconcileResult } from './reconcile.ts';
import {
  type Attachment,
  type CreateBody,
  encodeAttachment,
  holderGone,
  newAttachment,
  parseAttachment,
  resolveOrg,
  type WorkloadView,
  workloadView,
} from './workload-protocol.ts';

/** The control-plane calls the agent makes with its host token. */
export interface WorkloadApi {
  createInstance(org: string, app: string, body: { state: 'stopped' }): Promise<Instance>;
  startInstance(id: string): Promise<Instance>;
  stopInstance(id: string): Promise<Instance>;
  deleteInstance(id: string): Promise<void>;
}

/** What the agent reads of the machine for its workloads (procs.ts; tests give fakes). */
export interface WorkloadProbe {
  /** Throws `invalid_argument` unless `path` is a network namespace. */
  checkNetns(path: string): Promise<void>;
  startTimeOf(pid: number): Promise<string | undefined>;
  holderAlive(h: { pid: number; start: string }): Promise<boolean>;
  /** Sends SIGTERM to the process when it is still the one that asked (same start time). */
  terminate(h: { pid: number; start: string }): Promise<void>;
  netnsInUse(nsFile: string): Promise<boolean>;
}

export interface WorkloadOptions {
  state: LocalState;
  host: string;
  plan: AddressPlan;
  etcNetnsDir: string;
  /** Names the namespaces of attached instances (`sixpn-i-{id}`). */
  netnsTemplate: string;
  /** `<state-dir>/workloads`. */
  dir: string;
  api: WorkloadApi;
  probe: WorkloadProbe;
  /** Asks for a pass soon (a new attachment changes what the host should look like). */
  requestPass(): void;
  /** How long a request waits for the agent's pass to set an instance up; default 30 s. */
  setupTimeoutMs?: number;
  now?: () => Date;
  log: Logger;
}

interface Waiter {
  id: string;
  /** The instance's `updated_at` when it was started for this request. */
  startedAt: string;
  /** Whether a pass has seen the instance in the state (a later pass without it: deleted). */
  seen: boolean;
  ok: () => void;
  fail: (e: SixpnError) => void;
}

/** A record of an instance that is gone from the state may be dropped this long after it was made. */
const RECORD_GRACE_MS = 60_000;

const gone = (e: unknown) => isSixpnError(e) && e.code === 'not_found';

export class Workloads {
  private readonly records = new Map<string, Attachment>();
  private waiters: Waiter[] = [];
  /** Creations of one key never overlap (a runtime retrying ADD). */
  private readonly busy = new Set<string>();
  /** `sixpn run` instances a pass has seen started, and not stopped by their own runtime since. */
  private readonly running = new Set<string>();

  constructor(private readonly o: WorkloadOptions) {}

  /** Loads the records of earlier runs. */
  async load(): Promise<void> {
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    for (const f of (await readdir(this.o.dir)).filter((n) => n.endsWith('.json'))) {
      const a = parseAttachment(await readFile(join(this.o.dir, f), 'utf8'), join(this.o.dir, f));
      this.records.set(a.id, a);
    }
  }

  /** How each attached instance is laid out, for desiredState. */
  attached(): Map<string, AttachedAs> {
    return new Map([...this.records].map(([id, a]) => [id, { netns: a.netns, ifname: a.ifname }]));
  }

  byKey(key: string): Attachment | undefined {
    for (const a of this.records.values()) if (a.key === key) return a;
    return undefined;
  }

  private async save(a: Attachment): Promise<void> {
    await writeFile(join(this.o.dir, `${a.id}.json`), encodeAttachment(a), { mode: 0o600 });
    this.records.set(a.id, a);
  }

  private async drop(a: Attachment): Promise<void> {
    await rm(join(this.o.dir, `${a.id}.json`), { force: true });
    this.records.delete(a.id);
  }

  view(a: Attachment): WorkloadView {
    const i = this.o.state.get('instance', a.id);
    if (!i) throw new SixpnError('not_found', `instance ${a.id} of key '${a.key}' is gone`);
    return workloadView(a, i, appNameOf(this.o.state, i), this.o);
  }

  /** After every pass: wakes the requests whose instance that pass set up without a failed step. */
  async passed(r: ReconcileResult): Promise<void> {
    await this.endStopped().catch((e: unknown) =>
      this.o.log.warn({ err: String(e) }, 'cannot end the sixpn run of a stopped instance; retrying'),
    );
    const failing = JSON.stringify(r.failed);
    const wanted = new Set(r.desired.instances.map((i) => i.id));
    this.waiters = this.waiters.filter((w) => {
      if (wanted.has(w.id) && !failing.includes(w.id)) {
        w.ok();
        return false;
      }
      const ended = this.endedDuringSetUp(w);
      if (ended)
        w.fail(new SixpnError('failed_precondition', `instance ${w.id} was ${ended} during its set-up`));
      return ended === undefined;
    });
  }

  /** Whether the instance a request waits for was stopped or deleted through the API since it was started. */
  private endedDuringSetUp(w: Waiter): 'stopped' | 'deleted' | undefined {
    const i = this.o.state.get('instance', w.id);
    if (!i) return w.seen ? 'deleted' : undefined;
    w.seen = true;
    return i.state === 'stopped' && i.updated_at > w.startedAt ? 'stopped' : undefined;
  }

  /**
   * Each `sixpn run` instance seen started that is now stopped or gone though its runtime did not ask: SIGTERM to
   * its `sixpn run`, which forwards it to CMD and exits with CMD's code. Once per start.
   */
  private async endStopped(): Promise<void> {
    for (const a of this.records.values()) {
      if (a.holder === null) continue;
      const started = this.o.state.get('instance', a.id)?.state === 'started';
      if (started) {
        this.running.add(a.id);
        continue;
      }
      if (!this.running.delete(a.id) || !(await this.o.probe.holderAlive(a.holder))) continue;
      this.o.log.info(
        { id: a.id, key: a.key, pid: a.holder.pid },
        'instance stopped through the API; ending its sixpn run (SIGTERM)',
      );
      await this.o.probe.terminate(a.holder);
    }
  }

  /** Until a pass has set the instance up; fails at once when it is stopped or deleted meanwhile. */
  private waitSetUp(started: Instance): Promise<void> {
    const ms = this.o.setupTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        id: started.id,
        startedAt: started.updated_at,
        seen: false,
        ok: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(
          new SixpnError(
            'unavailable',
            `the agent has not set up instance ${started.id} within ${ms / 1000} s; see the agent's log`,
          ),
        );
      }, ms);
      this.waiters.push(w);
      this.o.requestPass();
    });
  }

  /** POST /v1/instances: 201 with a new instance, 200 with the one `key` already has (started again if stopped). */
  async create(body: CreateBody): Promise<{ status: 200 | 201; view: WorkloadView }> {
    if (this.busy.has(body.key))
      throw new SixpnError('unavailable', `key '${body.key}' is being set up; retry`);
    this.busy.add(body.key);
    try {
      const known = this.byKey(body.key);
      if (known && this.o.state.get('instance', known.id))
        return { status: 200, view: await this.resume(known) };
      if (known) await this.drop(known);
      return { status: 201, view: await this.createNew(body) };
    } finally {
      this.busy.delete(body.key);
    }
  }

  private async resume(a: Attachment): Promise<WorkloadView> {
    const now = this.o.state.get('instance', a.id);
    await this.waitSetUp(now?.state === 'started' ? now : await this.o.api.startInstance(a.id));
    return this.view(a);
  }

  private async checkRequest(body: CreateBody): Promise<{ org: string; holder: Attachment['holder'] }> {
    const apps = this.o.state.all('app').filter((a) => a.name === body.app);
    const org = body.org ?? resolveOrg(body.app, [...new Set(apps.map((a) => a.org))]);
    const app = apps.find((a) => a.org === org);
    if (!app) throw new SixpnError('not_found', `app '${org}/${body.app}' not found`);
    if (!app.private_network) {
      throw invalid(
        `app '${org}/${body.app}' has no private networking; create it with --private-network to run it on the 6PN`,
        { field: 'app' },
      );
    }
    if (body.name !== undefined) {
      for (const a of this.records.values())
        if (a.org === org && a.app === body.app && a.name === body.name)
          throw alreadyExists('instance', body.name);
    }
    if (body.netns !== undefined) await this.o.probe.checkNetns(body.netns);
    if (body.rm && body.pid === undefined)
      throw invalid('rm needs pid (the process that holds the instance)', { field: 'rm' });
    if (body.pid === undefined) return { org, holder: null };
    const start = await this.o.probe.startTimeOf(body.pid);
    if (start === undefined) throw invalid(`pid ${body.pid} is not a running process`, { field: 'pid' });
    return { org, holder: { pid: body.pid, start } };
  }

  private async createNew(body: CreateBody): Promise<WorkloadView> {
    const { org, holder } = await this.checkRequest(body);
    // Created stopped, recorded, then started: the first pass that sees it started knows how to lay it out.
    const inst = await this.o.api.createInstance(org, body.app, { state: 'stopped' });
    const a = newAttachment(
      body,
      { ...inst, org },
      holder,
      isoTime((this.o.now?.() ?? new Date()).getTime()),
    );
    try {
      await this.save(a);
      await this.waitSetUp(await this.o.api.startInstance(inst.id));
    } catch (e) {
      // Nothing left behind: the instance goes (the next pass tears down whatever it set up), and its record.
      await this.o.api.deleteInstance(inst.id).catch(() => undefined);
      await this.drop(a);
      throw e;
    }
    this.o.log.info(
      { id: inst.id, key: a.key, netns: a.netns ?? netnsName(this.o.netnsTemplate, inst.id) },
      'workload attached',
    );
    return this.view(a);
  }

  /** DELETE /v1/instances/by-key/{key}: stops (or deletes) the instance; nothing with that key is fine too. */
  async remove(key: string, remove: boolean): Promise<void> {
    const a = this.byKey(key);
    if (!a) return;
    this.running.delete(a.id); // asked by its runtime: nothing to end
    try {
      if (remove) await this.o.api.deleteInstance(a.id);
      else if (this.o.state.get('instance', a.id)?.state !== 'stopped') await this.o.api.stopInstance(a.id);
    } catch (e) {
      if (!gone(e)) throw e;
    }
    if (remove || !this.o.state.get('instance', a.id)) await this.drop(a);
    this.o.log.info({ id: a.id, key, remove }, remove ? 'workload deleted' : 'workload stopped');
    this.o.requestPass();
  }

  /**
   * Every resync interval: stops (with `rm`: deletes) each started `sixpn run` instance whose process and every
   * process in its namespace are gone, and forgets records of instances deleted elsewhere.
   */
  async sweep(): Promise<void> {
    const now = (this.o.now?.() ?? new Date()).getTime();
    for (const a of [...this.records.values()]) {
      const i = this.o.state.get('instance', a.id);
      if (!i) {
        if (now - Date.parse(a.created_at) > RECORD_GRACE_MS) await this.drop(a);
        continue;
      }
      if (i.state !== 'started' || i.host !== this.o.host || a.holder === null) continue;
      const alive = await this.o.probe.holderAlive(a.holder);
      const inUse =
        alive || (await this.o.probe.netnsInUse(`/run/netns/${netnsName(this.o.netnsTemplate, a.id)}`));
      if (!holderGone(a, alive, inUse)) continue;
      this.o.log.warn(
        { id: a.id, key: a.key, pid: a.holder.pid },
        'workload process gone; stopping its instance',
      );
      await this.remove(a.key, a.rm).catch((e: unknown) =>
        this.o.log.warn(
          { id: a.id, err: String(e) },
          'cannot stop the instance of a gone workload; retrying',
        ),
      );
    }
  }
}
