// The login file `sixpn login` writes (~/.config/sixpn/config.json, or $SIXPN_CONFIG): the API URL and token,
// written 0600 through a temporary file and a rename so a crash never leaves half a file.

import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { invalid } from '../core/errors.ts';
import * as z from '../core/zod.ts';

export const LoginFile = z.object({
  api: z.string(),
  token: z.string().check(z.minLength(1)),
  /** The token's org (org and peer tokens), as whoami said at login. */
  org: z._default(z.nullable(z.string()), null),
  kind: z.optional(z.string()),
  name: z.optional(z.string()),
  /** The caller's own region (like SIXPN_REGION): `wireguard create` picks the nearest gateway to it. */
  region: z.optional(z.string()),
  /** The control plane's CA fingerprint (`sha256:HEX`), pinned at the first login (trust on first use). */
  ca_fingerprint: z.optional(z.string()),
});
export type LoginFile = z.infer<typeof LoginFile>;

/** The login file, or undefined when there is none. A damaged file is an error that says how to fix it. */
export async function readLoginFile(path: string): Promise<LoginFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalid(`cannot read the login file ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalid(`the login file ${path} is not JSON; run \`sixpn login\` again or delete it`);
  }
  const r = LoginFile.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw invalid(
      `the login file ${path} is not valid (${issue?.path.join('.') || 'file'}: ${issue?.message}); run \`sixpn login\` again`,
    );
  }
  return r.data;
}

/** Writes the login file with mode 0600 (its folder 0700), replacing any earlier one atomically. */
export async function writeLoginFile(path: string, data: LoginFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  await chmod(tmp, 0o600); // the umask may have taken bits away; never added, but be explicit
  await rename(tmp, path);
}
