// The benchmarks' side of bench/lab/reach.ts: one helper per instance namespace, expectations sent by sequence
// number and answered with wall-clock times.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Reached {
  seq: number;
  dnsAt: number;
  connAt?: number;
  address?: string;
}

export class Reach {
  private readonly pending = new Map<number, (r: Reached) => void>();
  private readonly child;
  constructor(ns: string, everyMs = 2) {
    const helper = fileURLToPath(new URL('./reach.ts', import.meta.url));
    this.child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', helper, String(everyMs)],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      const r = JSON.parse(l) as Reached;
      this.pending.get(r.seq)?.(r);
      this.pending.delete(r.seq);
    });
  }
  /** Sends `<seq> <line>` (`open NAME PORT`, `gone NAME ADDR`, `back NAME ADDR`); resolves when it is met. */
  expect(seq: number, line: string): Promise<Reached> {
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.child.stdin.write(`${seq} ${line}\n`);
    });
  }
  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

export const wall = () => performance.timeOrigin + performance.now();
