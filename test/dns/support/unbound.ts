// A real unbound for the recursion tests: its own config in a temp dir, serving the local zone example.test,
// listening on a loopback port (inside a namespace when given).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, startChild } from './child.ts';

export const WWW_A = '192.0.2.10';
export const WWW_AAAA = '2001:db8::10';
/** `big.example.test` has this many AAAA records: more than 512 bytes, so UDP answers without EDNS truncate. */
export const BIG_COUNT = 40;

export interface Unbound {
  readonly address: string;
  readonly port: number;
  /** `ADDR:PORT` for the upstream list. */
  readonly upstream: string;
  stop(): Promise<void>;
}

export function zoneLines(): string[] {
  const lines = [
    'local-zone: "example.test." static',
    `local-data: "www.example.test. 60 IN A ${WWW_A}"`,
    `local-data: "www.example.test. 60 IN AAAA ${WWW_AAAA}"`,
    'local-data: "short.example.test. 1 IN A 192.0.2.11"',
  ];
  for (let i = 1; i <= BIG_COUNT; i++)
    lines.push(`local-data: "big.example.test. 60 IN AAAA 2001:db8::${i.toString(16)}"`);
  return lines;
}

/** Starts unbound; resolves once it logs that it serves. The caller stops it (t.after). */
export async function startUnbound(opts: {
  port: number;
  address?: string;
  ns?: string;
  extra?: string[];
}): Promise<Unbound> {
  const address = opts.address ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'sixpn-unbound-'));
  const conf = join(dir, 'unbound.conf');
  writeFileSync(
    conf,
    [
      'server:',
      `  interface: ${address}@${opts.port}`,
      '  do-daemonize: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${dir}"`,
      '  pidfile: ""',
      '  use-syslog: no',
      '  logfile: ""',
      '  verbosity: 1',
      '  num-threads: 1',
      `  do-ip6: ${address.includes(':') ? 'yes' : 'no'}`,
      '  access-control: 0.0.0.0/0 allow',
      '  access-control: ::/0 allow',
      '  module-config: "iterator"',
      '  auto-trust-anchor-file: ""',
      ...(opts.extra ?? []).map((l) => `  ${l}`),
      ...zoneLines().map((l) => `  ${l}`),
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  );
  let child: Child;
  try {
    ({ child } = await startChild('unbound', ['-d', '-c', conf], { ns: opts.ns, ready: /start of service/ }));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const upstream = address.includes(':') ? `[${address}]:${opts.port}` : `${address}:${opts.port}`;
  return {
    address,
    port: opts.port,
    upstream,
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
