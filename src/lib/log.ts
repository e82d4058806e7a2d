// One structured logger per process, a child per component: JSON lines (log-line.ts) on stderr or a given file
// descriptor (log-sink.ts), secrets redacted by path. sixpn's own, not pino: an idle agent held ~1.5 MiB more
// with pino and its worker-thread transport machinery, which sixpn never used (src/agent/README.md, "Memory").

import { fieldsJson, LEVELS, levelValue, logLine, SECRET_PATHS } from './log-line.ts';
import { fdSink, type LogSink } from './log-sink.ts';

const PATHS = SECRET_PATHS.map((p) => p.split('.'));

// any object: interfaces have no index signature
type Fields = object;

/** A level's method: `info(msg)`, or `info(fields, msg)` with the record's fields. */
interface LogFn {
  (msg: string): void;
  (fields: Fields, msg?: string): void;
}

/**
 * A structured logger. `info(fields, msg)` or `info(msg)`: a line `{level, time, pid, ...bindings, ...fields,
 * msg}` when the level passes. A child adds bindings and starts at its parent's level; setting `level` later
 * changes that logger alone.
 */
export class Logger {
  private threshold: number;

  /** @param bindings `fieldsJson` of the pid and of every binding up the chain of parents */
  constructor(
    private readonly sink: LogSink,
    private levelName: string,
    private readonly bindings = fieldsJson({ pid: process.pid }, PATHS),
  ) {
    this.threshold = levelValue(levelName);
  }

  /** The level's name (`info`, … `silent`). Setting an unknown name throws. */
  get level(): string {
    return this.levelName;
  }
  set level(name: string) {
    this.threshold = levelValue(name);
    this.levelName = name;
  }

  /** A logger that writes this one's bindings and `bindings` (redacted like any field) on every line. */
  child(bindings: Fields): Logger {
    return new Logger(this.sink, this.levelName, this.bindings + fieldsJson(bindings, PATHS));
  }

  readonly debug: LogFn = (a: Fields | string, msg?: string) => this.log(LEVELS.debug, a, msg);
  readonly info: LogFn = (a: Fields | string, msg?: string) => this.log(LEVELS.info, a, msg);
  readonly warn: LogFn = (a: Fields | string, msg?: string) => this.log(LEVELS.warn, a, msg);
  readonly error: LogFn = (a: Fields | string, msg?: string) => this.log(LEVELS.error, a, msg);

  private log(level: number, a: Fields | string, msg?: string): void {
    if (level < this.threshold) return;
    const fields = typeof a === 'string' ? '' : fieldsJson(a, PATHS);
    this.sink.write(logLine(level, Date.now(), this.bindings, fields, typeof a === 'string' ? a : msg));
  }
}

/**
 * The process logger. Level from `SIXPN_LOG` (default `info`; `silent` in tests unless set); an unknown level
 * throws. Writes JSON lines to stderr (or to `destination`, a file descriptor) so stdout stays for the CLI's output.
 */
export function createLogger(opts: { level?: string; destination?: number } = {}): Logger {
  const level = opts.level ?? process.env.SIXPN_LOG ?? (process.env.NODE_TEST_CONTEXT ? 'silent' : 'info');
  return new Logger(fdSink(opts.destination ?? 2), level);
}

/** A logger that drops everything, for tests and libraries called without one. */
export const silentLogger: Logger = new Logger(fdSink(2), 'silent');
