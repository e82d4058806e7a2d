// A host's or gateway's own token, kept in a file (0600) and never in argv, a unit file or a log. The running agent
// reads the file again when it changes (`sixpn hosts rotate-token`, then `sixpn agent set-token` on the host).

import { readFileSync, statSync } from 'node:fs';
import { SixpnError } from '../core/errors.ts';
import { writeAtomic } from './file-store.ts';

const unreadable = (path: string, why: string) =>
  new SixpnError(
    'unauthenticated',
    `the token file ${path} ${why}; join again (sixpn agent join) or put the host's token there (sixpn agent set-token)`,
  );

/**
 * The token in `path`, read now (throws `unauthenticated` naming the file when it is missing or empty) and again
 * on any later call after the file changed (its inode, size or mtime); a file that cannot be read later keeps the
 * last token.
 */
export function tokenFromFile(path: string): () => string {
  let seen = '';
  let token = '';
  const read = () => {
    const st = statSync(path);
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (key === seen) return;
    const text = readFileSync(path, 'utf8').trim();
    if (text === '') throw unreadable(path, 'is empty');
    [seen, token] = [key, text];
  };
  try {
    read();
  } catch (e) {
    if (e instanceof SixpnError) throw e;
    throw unreadable(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return () => {
    try {
      read();
    } catch {
      // keep the last token: a replaced file is renamed into place, never half written
    }
    return token;
  };
}

/** Writes the token atomically, mode 0600. */
export async function writeTokenFile(path: string, token: string): Promise<void> {
  await writeAtomic(path, `${token.trim()}\n`, 0o600);
}
