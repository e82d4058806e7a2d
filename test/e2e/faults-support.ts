// Background load of the fault tests: a TCP echo conversation (a numbered line every 50 ms, each reply timed)
// and a loop of dig/getent queries, both run inside lab namespaces by real programs, and the figures of a time
// window of them (queries failed, longest gap between replies, longest wait for one).

import { NsProcess } from './support.ts';

/** A TCP client to ADDR PORT sending `SEQ SENT_AT` every 50 ms; prints `r SEQ SENT_AT RECV_AT` per reply. */
const ECHO_LOAD = `
const c = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) }, () => {
  console.log('connected');
  let seq = 0;
  setInterval(() => { seq++; c.write(seq + ' ' + Date.now() + '\\n'); }, 50);
});
c.setNoDelay(true);
let buf = '';
c.on('data', (d) => { buf += d; const p = buf.split('\\n'); buf = p.pop(); for (const l of p) console.log('r ' + l + ' ' + Date.now()); });
c.on('error', (e) => console.log('error ' + e.code));
c.on('close', () => { console.log('closed'); process.exit(0); });`;

/**
 * Queries NAME in a loop, dig and getent in turn (the namespace's resolv.conf), one every ~100 ms; prints
 * `q TOOL STARTED_AT MS ANSWER` with the sorted addresses comma-joined, or `error` when the tool failed.
 */
const DNS_LOOP = `
const { execFile } = require('child_process');
const name = process.argv[1];
// glibc's resolver (getent) waits 5 s twice by default: 1 s once, like dig's, so a failure is seen as one.
const env = { ...process.env, RES_OPTIONS: 'timeout:1 attempts:1' };
const run = (cmd, args) => new Promise((res) => execFile(cmd, args, { timeout: 4000, env }, (e, out) => res(e ? null : out)));
(async () => {
  for (let i = 0; ; i++) {
    const tool = i % 2 ? 'getent' : 'dig';
    const t = Date.now();
    const out = tool === 'dig'
      ? await run('dig', ['+short', '+time=1', '+tries=1', 'AAAA', name])
      : await run('getent', ['ahosts', name]);
    const answer = out === null ? 'error'
      : [...new Set(out.split('\\n').map((l) => l.trim().split(/\\s+/)[0]).filter(Boolean))].sort().join(',') || 'empty';
    console.log(['q', tool, t, Date.now() - t, answer].join(' '));
    await new Promise((r) => setTimeout(r, 100));
  }
})();`;

export interface Reply {
  seq: number;
  sentAt: number;
  recvAt: number;
}

export interface Query {
  tool: string;
  t: number;
  ms: number;
  answer: string;
}

/** The echo conversation from namespace `ns` to ADDR PORT (an echo server must listen there). */
export class EchoLoad {
  readonly p: NsProcess;
  constructor(ns: string, addr: string, port: number) {
    this.p = new NsProcess(ns, ECHO_LOAD, [addr, String(port)]);
  }
  replies(): Reply[] {
    return this.p.lines
      .filter((l) => l.startsWith('r '))
      .map((l) => {
        const [, seq, sentAt, recvAt] = l.split(' ').map(Number);
        return { seq: seq ?? 0, sentAt: sentAt ?? 0, recvAt: recvAt ?? 0 };
      });
  }
  /** True when the connection broke (closed or failed) at any time. */
  broke(): boolean {
    return this.p.lines.some((l) => l === 'closed' || l.startsWith('error'));
  }
  /** True once a line sent after `t` has come back (so, TCP being in order, every earlier one too). */
  answeredAfter(t: number): boolean {
    return this.replies().some((r) => r.sentAt > t);
  }
  /** Every reply so far numbered 1, 2, 3, … with none missing or repeated. */
  inOrder(): boolean {
    return this.replies().every((r, i) => r.seq === i + 1);
  }
}

/** The dig/getent loop in namespace `ns` for NAME. */
export class DnsLoad {
  readonly p: NsProcess;
  constructor(ns: string, name: string) {
    this.p = new NsProcess(ns, DNS_LOOP, [name]);
  }
  queries(): Query[] {
    return this.p.lines
      .filter((l) => l.startsWith('q '))
      .map((l) => {
        const [, tool, t, ms, answer] = l.split(' ');
        return { tool: tool ?? '', t: Number(t), ms: Number(ms), answer: answer ?? '' };
      });
  }
  /** True when the last `n` queries (started after `t`) all gave `want`. */
  okAfter(t: number, want: string, n = 2): boolean {
    const q = this.queries().filter((x) => x.t > t);
    return q.length >= n && q.slice(-n).every((x) => x.answer === want);
  }
}

export interface EchoFigures {
  replies: number;
  /** Longest time between two consecutive replies (the one before the window included). */
  maxGapMs: number;
  /** Longest time a line waited for its reply. */
  maxRttMs: number;
}

/** The echo figures of replies received in [from, to]. */
export function echoFigures(all: readonly Reply[], from: number, to: number): EchoFigures {
  const prev = all.filter((r) => r.recvAt < from).at(-1);
  const win = all.filter((r) => r.recvAt >= from && r.recvAt <= to);
  let maxGapMs = 0;
  let last = prev?.recvAt ?? from;
  for (const r of win) {
    maxGapMs = Math.max(maxGapMs, r.recvAt - last);
    last = r.recvAt;
  }
  maxGapMs = Math.max(maxGapMs, to - last);
  const maxRttMs = Math.max(0, ...win.map((r) => r.recvAt - r.sentAt));
  return { replies: win.length, maxGapMs, maxRttMs };
}

export interface DnsFigures {
  queries: number;
  failed: number;
  /** From the first failed query (or the window's start) to the start of the next good one (0: none failed). */
  outageMs: number;
  /** When the first failed query started, after the window's start. */
  firstFailureMs: number;
}

/** The DNS figures of queries running at some time in [from, to]: a query fails unless its answer is `want`. */
export function dnsFigures(all: readonly Query[], from: number, to: number, want: string): DnsFigures {
  const win = all.filter((q) => q.t + q.ms >= from && q.t <= to);
  const bad = win.filter((q) => q.answer !== want);
  const first = bad[0];
  const lastBad = bad.at(-1);
  if (!first || !lastBad) return { queries: win.length, failed: 0, outageMs: 0, firstFailureMs: 0 };
  const back = all.find((q) => q.t > lastBad.t && q.answer === want)?.t ?? to;
  // A query already on its way when the fault began counts from the fault.
  const start = Math.max(first.t, from);
  return { queries: win.length, failed: bad.length, outageMs: back - start, firstFailureMs: start - from };
}

export const showEcho = (f: EchoFigures) =>
  `${f.replies} replies, longest gap ${f.maxGapMs} ms, longest wait ${f.maxRttMs} ms`;
export const showDns = (f: DnsFigures) =>
  `${f.failed}/${f.queries} queries failed` +
  (f.failed > 0 ? ` (unanswered for ${f.outageMs} ms from +${f.firstFailureMs} ms)` : '');
