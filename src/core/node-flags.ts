// Node/V8 flags of sixpn's long-running processes, one place for the systemd units, the lab and the benchmarks.

/**
 * The control plane (`sixpn server`): V8's young generation capped at 4 MiB per semi-space. By default V8 grows it
 * to 16 MiB per semi-space while the server starts and while it streams a snapshot, and keeps it when idle.
 * bench/scale (100,000 instances, three snapshots, one session): RSS after them 138.2 -> 113.6 MB, snapshot
 * times unchanged (1195/840/687 -> 1151/814/782 ms).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * The host agent and the gateway, in their systemd units and in the lab (src/agent/README.md, "Memory"): young
 * generation capped at 1 MiB (V8 otherwise grows it to 16 MiB per semi-space and keeps it when idle) and one
 * V8 background thread instead of one per core (idle agent VmRSS 104.9 -> 96.3 MB in a 3-host lab); Maglev
 * only for a function called 5,000 times, not 400, so that start-up alone does not map Maglev's code for good
 * (idle agent VmRSS 71.6 -> 69.0 MiB in bench/lab/run.ts's 10-host lab; idle CPU and change latency unchanged,
 * DNS max qps within noise). No Sparkplug (V8's baseline compiler, whose code an idle agent keeps) and feedback
 * vectors only for a function called 100 times, not 8 (start-up-only code gets none): idle agent VmRSS 62.5 -> 61.4
 * MiB in bench/lab/agent-rss.ts, DNS max qps and queries per CPU-second unchanged (src/agent/README.md, "Memory").
 * Not `--optimize-for-size`: 1.4 MiB less but 0.25 -> 0.9 % of a core idle. No Node start-up snapshot: Node then
 * compiles its built-in modules from their source as they load instead of reading their code cache, which maps
 * ~3 MiB more of the node binary for http, https, dgram, child_process and crypto; idle agent VmRSS 61.6 -> 59.0 MiB
 * (bench/lab/agent-rss.ts), ~50 ms more to start, DNS max qps unchanged (src/agent/README.md, "Memory").
 * `--expose-gc` for src/runtime/settle-gc.ts: one memory-reducing collection once the daemon is quiet after work.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--v8-pool-size=1',
  '--invocation-count-for-maglev=5000',
  '--no-sparkplug',
  '--invocation-count-for-feedback-allocation=100',
  '--no-node-snapshot',
  '--expose-gc',
];

/** The flags of each long-running role, as its systemd unit runs it. */
export const ROLE_NODE_FLAGS: Readonly<Record<'server' | 'agent' | 'gateway', readonly string[]>> = {
  server: SERVER_NODE_FLAGS,
  agent: DAEMON_NODE_FLAGS,
  gateway: DAEMON_NODE_FLAGS,
};
