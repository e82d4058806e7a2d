// lab.json: what `sixpn lab up` built (options, tokens, processes, demo instances), written as it goes so that
// `lab down` can undo a half-built lab too. 0600: it holds the admin and host tokens.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SixpnError } from '../core/errors.ts';

const Proc = z.object({
  pid: z.number().int(),
  startTime: z.number().int(),
  ns: z.string(),
  argv: z.array(z.string()),
  log: z.string(),
});

export const LabState = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  options: z.object({
    regions: z.array(z.object({ code: z.string(), hosts: z.number().int() })),
    gateways: z.array(z.string()),
    name: z.string().optional(),
    dir: z.string(),
  }),
  /** Lifecycle: `building` until up finished; `up` after. */
  phase: z.enum(['building', 'up']),
  adminToken: z.string(),
  hostTokens: z.record(z.string(), z.string()),
  /** Keyed `control`, `unbound`, `agent:<host>`, `gateway:<name>`, `demo:<app>@<host>` (a demo server's `sixpn run`). */
  processes: z.record(z.string(), Proc),
  /** True when `lab up` created /etc/netns itself (down removes it again once it is empty). */
  etcNetnsCreated: z.boolean().default(false),
  /** Why gateways were not started, when they were asked for but could not be. */
  demo: z
    .array(
      z.object({
        id: z.string(),
        org: z.string(),
        app: z.string(),
        region: z.string(),
        host: z.string(),
        address: z.string().nullable(),
      }),
    )
    .default([]),
});
export type LabState = z.infer<typeof LabState>;

/** Reads lab.json, or undefined when there is no lab. A file that does not parse is an error naming it. */
export function readLabState(path: string): LabState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return LabState.parse(JSON.parse(text));
  } catch (e) {
    throw new SixpnError(
      'failed_precondition',
      `${path} is not a lab record this version understands; \`sixpn lab down\` still sweeps the lab by name`,
      { cause: e },
    );
  }
}

/** Replaces lab.json atomically (write + rename), mode 0600. */
export function writeLabState(path: string, s: LabState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
