// A WireGuard private key kept in a file (0600): generated on the first start, reused after. Host agents keep their
// mesh key so (<state dir>/mesh.key), gateways their mesh and peer keys. Only public keys are ever registered.

import { chmod, readFile } from 'node:fs/promises';
import { SixpnError } from '../core/errors.ts';
import { generateKeyPair, parsePrivateKey, type WgPrivateKey } from '../core/wg/keys.ts';
import { writeAtomic } from './file-store.ts';

/** Reads the key file, or creates it with a fresh key. Throws `failed_precondition` for a damaged file. */
export async function loadOrCreateKey(path: string): Promise<WgPrivateKey> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text === undefined) {
    const { privateKey } = generateKeyPair();
    await writeAtomic(path, `${privateKey}\n`, 0o600);
    return privateKey;
  }
  try {
    const key = parsePrivateKey(text.trim());
    await chmod(path, 0o600);
    return key;
  } catch (e) {
    throw new SixpnError(
      'failed_precondition',
      `${path} does not hold a WireGuard private key; restore it, or delete it to make a new one (its new public key is then registered)`,
      { cause: e },
    );
  }
}
