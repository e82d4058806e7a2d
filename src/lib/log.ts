// One structured logger per process (pino), a child per component; secrets are redacted by path.

import { type Logger, pino } from 'pino';

export type { Logger };

const REDACT = [
  'token',
  'secret',
  'private_key',
  'privateKey',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.token',
  '*.secret',
  '*.private_key',
  '*.privateKey',
  '*.authorization',
];

/**
 * The process logger. Level from `SIXPN_LOG` (default `info`; `silent` in tests unless set).
 * Writes JSON lines to stderr (or to `destination`, a file descriptor) so stdout stays for the CLI's output.
 */
export function createLogger(opts: { level?: string; destination?: number } = {}): Logger {
  const level = opts.level ?? process.env.SIXPN_LOG ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info');
  return pino(
    { level, base: { pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' } },
    pino.destination({ fd: opts.destination ?? 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and libraries called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
