// The harness every long-running reconciler of sixpn runs in (host agent, gateway, standalone DNS): the local copy
// of the state on disk, the control plane's watch stream, passes scheduled on change, periodically and with backoff
// and skipped when nothing they look at moved, the embedded DNS server, status.json, and shutdown on abort.
// A role is a set of hooks (ReconcilerSpec); what one role gains here (health checks, counters, a local socket)
// every role gains.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient } from '../client/api-client.ts';
import type { FetchLike, TokenSource } from '../client/http.ts';
import type { AddressPlan } from '../core/address.ts';
import { ZoneIndex } from '../core/dns/zone-index.ts';
import { isSixpnError } from '../core/errors.ts';
import { isoTime } from '../core/iso-time.ts';
import type { Change, EntityOf, Snapshot } from '../core/model.ts';
import { LocalState } from '../core/state.ts';
import type { Logger } from '../lib/log.ts';
import { type FollowOptions, followControlPlane } from './follow.ts';
import { type PassReason, type QuietSpell, Scheduler } from './scheduler.ts';
import { SettleGc, type SettleGcOptions } from './settle-gc.ts';
import { loadLocalState, noStateSaver, type StateSaver } from './state-file.ts';
import { type RoleStatus, STATUS_FILE, writeStatusFile } from './status-file.ts';

/** What the harness needs of a running DNS server (one in this thread, or worker threads). */
export interface ServingDns {
  /** Resolves once the server has shut down after the signal aborted. */
  readonly closed: Promise<void>;
}

/** What every pass reports; a role's result may carry more. */
export interface PassResult {
  actions: readonly unknown[];
  failed: readonly unknown[];
  /** Steps applied in this pass. */
  applied: number;
  ms: number;
  /** The state revision the pass planned from (newer than the one at its start when a change came in between). */
  revision: number;
  /**
   * {@link PassHooks.fingerprint} of the state the pass planned from, taken where it planned. A later change pass
   * is skipped when its fingerprint equals this one.
   */
  fingerprint: string;
}

/** The passes of a role. */
export interface PassHooks<R extends PassResult> {
  /** What a change-triggered pass looks at: one whose fingerprint equals the last clean pass's result's is skipped. */
  fingerprint(): string;
  /** One full pass. Throws only when the machine cannot be read (a retry with backoff follows). */
  reconcile(reason: PassReason): Promise<R>;
  /** Bookkeeping after a pass that ran. */
  afterPass?(r: R, reason: PassReason): Promise<void>;
  /** The role's fields of status.json, from the last pass (undefined before the first). */
  status(last: R | undefined): RoleStatus;
  /** Fields of the `reconciled` log line beyond reason, revision, actions, failed and ms. */
  logFields?(r: R): Record<string, unknown>;
  /** Full pass at least this often; default 30 s. */
  resyncMs?: number;
  /** The pass a new snapshot asks for (default `change`; `periodic` re-reads everything). */
  snapshotPass?: PassReason;
  /** Defer periodic passes while the role's immediate changes arrive (a gateway's peers). */
  quiet?: QuietSpell;
}

export interface ReconcilerSpec<R extends PassResult> {
  /** Absent: follow and serve DNS only (`sixpn dns`). */
  passes?: PassHooks<R>;
  /** Starts the embedded DNS server (retried after each pass until it runs). */
  startDns(): Promise<ServingDns>;
  /** Start DNS before the first pass (it answers from the saved state while the control plane is down). */
  dnsFirst: boolean;
  /** The DNS is fed by onSnapshot/onChange (worker threads with their own indexes): `zone` is not kept current. */
  ownZone?: boolean;
  /** Handles a new snapshot at once (after the local state and zone took it). */
  onSnapshot?(snapshot: Snapshot): void;
  /** Handles a change at once, before the debounced pass (a gateway installs a peer). */
  onChange?(change: Change, before: EntityOf[Change['kind']] | undefined): Promise<void>;
  /** Loops that run beside the watch stream until the signal aborts (a gateway's peer report). */
  tasks?: Array<() => Promise<void>>;
  /** Last words after everything stopped (final saves). */
  onStop?(): Promise<void>;
  /** Logged once stopped. */
  stopMessage: string;
  /** Wait after a watch failure the consumer does not retry itself (default 30 s); for `follow`. */
  retryMs?: FollowOptions['retryMs'];
}

/** The control plane: a client already made, or what to make one from. */
export type Connection =
  | { client: ApiClient }
  | {
      /** Control plane base URL (`http://…` or `unix:/path.sock`), or several replicas' URLs joined by commas. */
      api: string;
      token: TokenSource;
      fetch?: FetchLike | undefined;
    };

export type OpenOptions = Connection & {
  /** State, keys and status.json; absent: the state lives in memory only (`sixpn dns`). */
  stateDir?: string | undefined;
  plan: AddressPlan;
  /** The role's logger (a child with its component and name). */
  log: Logger;
  signal: AbortSignal;
  /** The settling collection's collect and times; default: V8's with `--expose-gc` (tests give a counter). */
  settle?: Pick<SettleGcOptions, 'collect' | 'quietMs' | 'minGapMs'>;
};

export interface RunningReconciler {
  state: LocalState;
  zone: ZoneIndex;
  /** Resolves when everything has stopped after the signal aborted. */
  done: Promise<void>;
}

/** A promise-chain lock: `run` calls never overlap. */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(f: () => Promise<T>): Promise<T> {
    const next = this.tail.then(f, f);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const errText = (e: unknown) => (isSixpnError(e) ? e.message : String(e));

/** The shared state of one reconciler process; `open` it, build the role's seams from it, then `run`. */
export class Reconciler {
  /** Passes and immediate changes hold it: never two at once. */
  readonly lock = new Lock();
  private lastFingerprint = '';
  private connected = false;
  private dns: ServingDns | undefined;
  private applied = 0;
  private passes = 0;
  private last: PassResult | undefined;
  private scheduler: Scheduler | undefined;
  /** One memory-reducing collection after each burst of work (with `--expose-gc`, as the daemons run). */
  private readonly settle: SettleGc | undefined;

  private constructor(
    readonly client: ApiClient,
    readonly state: LocalState,
    readonly zone: ZoneIndex,
    private readonly persist: StateSaver,
    readonly o: OpenOptions,
  ) {
    this.settle = SettleGc.create({ ...o.settle, log: o.log, signal: o.signal });
  }

  /**
   * Creates the state directory (0700) and removes the status of an earlier run (it would say this process is
   * ready before it is), then loads the saved state: a restarted process reconciles and answers DNS before — or
   * without — reaching the control plane.
   */
  static async open(o: OpenOptions): Promise<Reconciler> {
    // The client picks the fetch of each URL itself (unix: sockets included), also for a list of replicas.
    const client =
      'client' in o
        ? o.client
        : new ApiClient({ baseUrl: o.api, token: o.token, ...(o.fetch ? { fetch: o.fetch } : {}) });
    if (o.stateDir === undefined) {
      return new Reconciler(client, new LocalState(), new ZoneIndex({ plan: o.plan }), noStateSaver, o);
    }
    await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
    await rm(join(o.stateDir, STATUS_FILE), { force: true });
    const { state, zone, stateFile } = await loadLocalState(o.stateDir, o.plan, o.log);
    return new Reconciler(client, state, zone, stateFile, o);
  }

  get log(): Logger {
    return this.o.log;
  }

  get signal(): AbortSignal {
    return this.o.signal;
  }

  /** The embedded DNS server, once it runs. */

  /** Whether the watch stream is connected to the control plane now. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Asks for a pass soon (`periodic`: a full one, even when nothing the fingerprint covers moved). */
  requestPass(reason: PassReason = 'change'): void {
    this.scheduler?.request(reason);
  }

  /** Forgets the last clean pass: the next one runs in full (after an immediate change failed). */
  invalidate(): void {
    this.lastFingerprint = '';
  }

  /** Runs the role until the signal aborts. */
  run<R extends PassResult>(spec: ReconcilerSpec<R>): RunningReconciler {
    const ensureDns = async () => {
      if (this.dns || this.signal.aborted) return;
      this.dns = await spec.startDns();
    };
    const hooks = spec.passes;
    const scheduler = hooks
      ? new Scheduler((reason) => this.pass(hooks, ensureDns, reason), {
          periodMs: hooks.resyncMs ?? 30_000,
          ...(hooks.quiet ? { quiet: hooks.quiet } : {}),
          signal: this.signal,
        })
      : undefined;
    this.scheduler = scheduler;
    const done = (async () => {
      if (spec.dnsFirst || !scheduler)
        await ensureDns().catch((e: unknown) =>
          this.log.warn({ err: String(e) }, 'dns server not started yet'),
        );
      scheduler?.request('periodic', 0);
      await Promise.all([
        this.follow(spec, scheduler, hooks?.snapshotPass ?? 'change'),
        ...(spec.tasks ?? []).map((t) => t()),
      ]);
      await scheduler?.idle();
      await this.persist.flush();
      await spec.onStop?.();
      await this.dns?.closed;
      this.log.info(spec.stopMessage);
    })();
    return { state: this.state, zone: this.zone, done };
  }

  private follow<R extends PassResult>(
    spec: ReconcilerSpec<R>,
    scheduler: Scheduler | undefined,
    snapshotPass: PassReason,
  ): Promise<void> {
    return followControlPlane({
      client: this.client,
      state: this.state,
      zone: spec.ownZone ? undefined : this.zone,
      persist: this.persist,
      log: this.log,
      signal: this.signal,
      ...(spec.retryMs !== undefined ? { retryMs: spec.retryMs } : {}),
      connected: (up) => {
        this.connected = up;
      },
      onSnapshot: (snap) => {
        spec.onSnapshot?.(snap);
        this.settle?.busy();
        scheduler?.request(snapshotPass);
      },
      onChange: async (c, before) => {
        await spec.onChange?.(c, before);
        // A change is work even when its pass is skipped (a gateway's peers go by the fast path): without this the
        // collection fired 5 s after the last pass, in the middle of a stream of peer changes, and stopped the
        // gateway for as long as it took (34–72 ms at 5 peers, 418 ms at 10,000 in bench/wireguard/run.ts).
        this.settle?.busy();
        scheduler?.request();
      },
      onAdvance: () => scheduler?.request(),
    });
  }

  /**
   * A change pass that finds nothing it looks at moved touches nothing but status.json: it waits for the immediate
   * changes before it (its revision is read inside the lock, as a full pass's), but writes the file outside the
   * lock, so the next immediate change does not wait for a file write (a gateway's peers at 10,000: 6–14 ms).
   */
  private async pass<R extends PassResult>(
    hooks: PassHooks<R>,
    ensureDns: () => Promise<void>,
    reason: PassReason,
  ): Promise<boolean> {
    const skipped = await this.lock.run(async () => {
      const revision = this.state.revision;
      const fingerprint = hooks.fingerprint();
      if (reason === 'change' && fingerprint === this.lastFingerprint && this.dns) {
        this.log.debug({ revision }, 'pass skipped: nothing it looks at moved');
        return revision;
      }
      return this.fullPass(hooks, ensureDns, reason);
    });
    if (typeof skipped === 'boolean') return skipped;
    await this.writeStatus(hooks, skipped);
    return true;
  }

  /**
   * One full pass under the lock; false when it had failures. What counts as clean afterwards is the fingerprint
   * of what the role planned from, not the one read here: the role plans later (the agent waits for its
   * table-only applies first) and the state may have moved by then. With the fingerprint read here, a change that
   * brought the state back to it (an instance stopped during the wait, then started again) was skipped while the
   * host matched the state in between, until the next periodic pass.
   */
  private async fullPass<R extends PassResult>(
    hooks: PassHooks<R>,
    ensureDns: () => Promise<void>,
    reason: PassReason,
  ): Promise<boolean> {
    let r: R;
    try {
      r = await hooks.reconcile(reason);
    } catch (e) {
      this.log.warn({ err: errText(e) }, 'cannot read the machine; retrying');
      this.lastFingerprint = '';
      return false;
    }
    this.last = r;
    this.applied += r.applied;
    await hooks.afterPass?.(r, reason);
    if (r.actions.length > 0 || reason !== 'periodic' || this.passes++ === 0) {
      this.settle?.busy();
      const { actions, failed } = r;
      const fields = {
        reason,
        revision: r.revision,
        actions: actions.length,
        failed: failed.length,
        ...hooks.logFields?.(r),
      };
      this.log.info({ ...fields, ms: Math.round(r.ms) }, 'reconciled');
    }
    await ensureDns().catch((e: unknown) =>
      this.log.warn({ err: String(e) }, 'dns server not started; retrying'),
    );
    this.lastFingerprint = r.failed.length === 0 ? r.fingerprint : '';
    await this.writeStatus(hooks, r.revision);
    return r.failed.length === 0 && this.dns !== undefined;
  }

  private async writeStatus<R extends PassResult>(hooks: PassHooks<R>, revision: number): Promise<void> {
    if (this.o.stateDir === undefined) return;
    const last = this.last as R | undefined;
    await writeStatusFile(this.o.stateDir, {
      pid: process.pid,
      revision,
      reconciledAt: isoTime(Date.now()),
      dns: this.dns ? 'listening' : 'down',
      connected: this.connected,
      failed: last?.failed.length ?? 0,
      reconcileMs: Math.round(last?.ms ?? 0),
      applied: this.applied,
      ...hooks.status(last),
    }).catch((e: unknown) => this.log.warn({ err: String(e) }, 'cannot write status.json'));
  }
}
