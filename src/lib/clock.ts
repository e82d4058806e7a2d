// A monotonic clock for durations that does not touch the `performance` global: its first use loads perf_hooks and
// eight more of Node's built-in modules, ~0.3 MiB of an idle agent (src/agent/README.md, "Memory").

/** Milliseconds on a monotonic clock, as `performance.now()`: only differences between two readings mean anything. */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}

/** When this process started, in milliseconds since the epoch (as `performance.timeOrigin`). */
export const processStartMs = (): number => Date.now() - process.uptime() * 1000;
