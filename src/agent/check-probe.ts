// Runs one health check from the host side over the 6PN: a TCP connect, or an HTTP request whose status must be in
// the check's range, to the instance's private address, from the host's resolver address (fdaa::3, which every
// instance routes back over its 6PN link), with the check's time-out. Never throws: the result says what happened.

import { connect } from 'node:net';
import type { Check } from '../core/model.ts';
import { monotonicMs } from '../lib/clock.ts';
import { nodeHttp } from '../lib/node-http.ts';

export interface ProbeResult {
  ok: boolean;
  /** One short line: `HTTP 200 in 2 ms`, `connect ECONNREFUSED`, `timed out after 2000 ms`. */
  output: string;
}

/** Runs `check` against `address`. `localAddress`: the source (undefined: the kernel's choice). */
export type Probe = (check: Check, address: string, localAddress: string | undefined) => Promise<ProbeResult>;

const ms = (t0: number) => `${Math.max(0, Math.round(monotonicMs() - t0))} ms`;
const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function tcpProbe(check: Check, address: string, localAddress: string | undefined): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const t0 = monotonicMs();
    const sock = connect({
      host: address,
      port: check.port,
      family: 6,
      ...(localAddress ? { localAddress } : {}),
    });
    const finish = (r: ProbeResult) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, output: `timed out after ${check.timeout_ms} ms` }),
      check.timeout_ms,
    );
    sock.once('connect', () => finish({ ok: true, output: `connected in ${ms(t0)}` }));
    sock.once('error', (e) => finish({ ok: false, output: `connect ${errCode(e)}` }));
  });
}

function httpProbe(check: Check, address: string, localAddress: string | undefined): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const t0 = monotonicMs();
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = nodeHttp.request({
      host: address,
      port: check.port,
      family: 6,
      method: check.method ?? 'GET',
      path: check.path ?? '/',
      agent: false,
      headers: { host: `[${address}]:${check.port}`, 'user-agent': 'sixpn-check', connection: 'close' },
      ...(localAddress ? { localAddress } : {}),
    });
    const timer = setTimeout(
      () => finish({ ok: false, output: `timed out after ${check.timeout_ms} ms` }),
      check.timeout_ms,
    );
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= (check.status_min ?? 200) && status <= (check.status_max ?? 399);
      res.resume();
      finish({
        ok,
        output: `HTTP ${status} in ${ms(t0)}${ok ? '' : ` (want ${check.status_min}-${check.status_max})`}`,
      });
    });
    req.once('error', (e) => finish({ ok: false, output: `http ${errCode(e)}` }));
    req.end();
  });
}

/** The real probe. */
export const probe: Probe = (check, address, localAddress) =>
  check.type === 'http' ? httpProbe(check, address, localAddress) : tcpProbe(check, address, localAddress);
