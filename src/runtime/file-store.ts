// The file seam of the agent: instance files, env files, its own state files. Writes are atomic (a temporary file
// renamed over the target), so a reader or a crash never sees half a file. Real driver and in-memory fake.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface FileStore {
  /** The content, or undefined when the file does not exist. */
  read(path: string): Promise<string | undefined>;
  /** Writes atomically, creating the directory (0755) when missing. */
  write(path: string, content: string, mode: number): Promise<void>;
  /** Removes the file; succeeds when it is already gone. */
  remove(path: string): Promise<void>;
  /** Removes the directory and what is in it; succeeds when it is already gone. */
  removeDir(path: string): Promise<void>;
  /** Names in a directory; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
}

const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** Atomic write: a temporary file beside the target, then rename. */
export async function writeAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { mode });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export class DiskFiles implements FileStore {
  async read(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  }
  write(path: string, content: string, mode: number): Promise<void> {
    return writeAtomic(path, content, mode);
  }
  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }
  async removeDir(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }
  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).sort();
    } catch (e) {
      if (missing(e)) return [];
      throw e;
    }
  }
}

export class MemoryFiles implements FileStore {
  readonly files = new Map<string, { content: string; mode: number }>();
  /** Every mutation, as `verb path` lines. */
  readonly calls: string[] = [];

  async read(path: string): Promise<string | undefined> {
    return this.files.get(path)?.content;
  }
  async write(path: string, content: string, mode: number): Promise<void> {
    this.calls.push(`write ${path}`);
    this.files.set(path, { content, mode });
  }
  async remove(path: string): Promise<void> {
    if (!this.files.delete(path)) return;
    this.calls.push(`remove ${path}`);
  }
  async removeDir(path: string): Promise<void> {
    for (const p of [...this.files.keys()]) {
      if (p.startsWith(`${path}/`)) {
        this.files.delete(p);
        this.calls.push(`remove ${p}`);
      }
    }
  }
  async list(dir: string): Promise<string[]> {
    const names = new Set<string>();
    for (const p of this.files.keys()) {
      if (p.startsWith(`${dir}/`)) names.add(p.slice(dir.length + 1).split('/')[0] ?? '');
    }
    return [...names].sort();
  }
}
