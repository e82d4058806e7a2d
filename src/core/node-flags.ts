// Node/V8 flags of sixpn's long-running processes, one place for the systemd units, the lab and the benchmarks.

/**
 * The control plane (`sixpn server`): V8's young generation capped at 4 MiB per semi-space. By default V8 grows it
 * to 16 MiB per semi-space while the server starts and while it streams a snapshot, and keeps it when idle.
 * bench/scale (100,000 instances, three snapshots, one session): RSS after them 138.2 -> 113.6 MB, snapshot
 * times unchanged (1195/840/687 -> 1151/814/782 ms).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
