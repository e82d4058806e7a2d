// Where a process's log lines go: a file descriptor written asynchronously (one write at a time, lines that come
// meanwhile joined into the next), so a slow reader never stalls the event loop, and written out synchronously
// when the process (or worker thread) exits, so the last lines are not lost.

import { write, writeSync } from 'node:fs';
import { LEVELS, logLine } from './log-line.ts';

/** Lines held while the descriptor does not keep up; beyond them new lines are dropped and counted. */
const MAX_PENDING_CHARS = 4 << 20;

/** Takes newline-terminated lines. */
export interface LogSink {
  write(line: string): void;
}

class FdSink implements LogSink {
  private pending: string[] = [];
  private pendingChars = 0;
  private writing = false;
  private dropped = 0;
  private hooked = false;

  constructor(private readonly fd: number) {}

  write(line: string): void {
    if (this.pendingChars + line.length > MAX_PENDING_CHARS) {
      this.dropped++;
      return;
    }
    if (!this.hooked) {
      this.hooked = true;
      process.once('exit', () => this.flushSync());
    }
    this.pending.push(line);
    this.pendingChars += line.length;
    if (!this.writing) this.next();
  }

  /** The pending lines as one buffer, with a note of the lines dropped since the last. */
  private take(): Buffer {
    if (this.dropped > 0) {
      const fields = `,"pid":${process.pid},"dropped":${this.dropped}`;
      this.pending.push(logLine(LEVELS.warn, Date.now(), fields, '', 'log lines dropped'));
      this.dropped = 0;
    }
    const buf = Buffer.from(this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
    return buf;
  }

  private next(buf = this.pending.length > 0 ? this.take() : undefined): void {
    if (buf === undefined || buf.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    write(this.fd, buf, 0, buf.length, null, (err, n) => {
      if (err?.code === 'EAGAIN') setTimeout(() => this.next(buf), 10).unref();
      // a descriptor that fails for good (closed, EPIPE) drops the buffer: logging must not take the process down
      else this.next(n < buf.length && !err ? buf.subarray(n) : undefined);
    });
  }

  /** Writes every pending line now (a write already under way finishes on its own). */
  private flushSync(): void {
    let buf = this.take();
    for (let tries = 0; buf.length > 0 && tries < 1000; tries++) {
      try {
        buf = buf.subarray(writeSync(this.fd, buf));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  }
}

const sinks = new Map<number, FdSink>();

/** The one sink of descriptor `fd` in this thread, so lines from every logger on it keep their order. */
export function fdSink(fd: number): LogSink {
  const s = sinks.get(fd) ?? new FdSink(fd);
  sinks.set(fd, s);
  return s;
}
