// Writes a peer's wg-quick file: created 0600 with O_EXCL, so an existing file is never overwritten, and reserved
// before the peer exists, so a name clash stops `create` before anything is sent.

import { type FileHandle, open, rm } from 'node:fs/promises';
import { SixpnError } from '../../core/errors.ts';

/** A file this process created empty; `write` fills it, `discard` removes it. */
export interface NewFile {
  readonly path: string;
  write(content: string): Promise<void>;
  /** Removes the file (when `create` fails after reserving it). Safe to call twice. */
  discard(): Promise<void>;
}

/**
 * Creates `path` empty with mode 0600, failing with `already_exists` when anything is there (a file, a link, a
 * directory). The caller writes it or discards it.
 */
export async function reserveFile(path: string): Promise<NewFile> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new SixpnError(
        'already_exists',
        `${path} already exists; sixpn never overwrites a WireGuard config: pass another file name, or 'stdout'`,
        { details: { path } },
      );
    }
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SixpnError('invalid_argument', `cannot create ${path}: its folder does not exist`, {
        details: { path },
      });
    }
    throw new SixpnError('invalid_argument', `cannot create ${path}: ${(e as Error).message}`, { cause: e });
  }
  const handle = fh;
  let open_ = true;
  const close = async () => {
    if (open_) {
      open_ = false;
      await handle.close();
    }
  };
  return {
    path,
    async write(content) {
      try {
        // The umask may have cleared bits of 0600; it can never have added any. Make it exactly 0600.
        await handle.chmod(0o600);
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await close();
      }
    },
    async discard() {
      await close();
      await rm(path, { force: true });
    },
  };
}
