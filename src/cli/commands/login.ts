// `sixpn login`: checks a token with GET /v1/whoami and saves it with the API URL in the login file (mode 0600).

import { ApiClient } from '../../client/api-client.ts';
import { invalid, isSixpnError, SixpnError } from '../../core/errors.ts';
import { type Fingerprint, formatFingerprint } from '../../core/fingerprint.ts';
import { writeLoginFile } from '../config-file.ts';
import { resolveConnection } from '../connection.ts';
import type { CliContext } from '../context.ts';
import type { CommandGroup } from '../run.ts';

/** The token to log in with: --token, else stdin when it is not a terminal, else a no-echo prompt. */
async function tokenToUse(ctx: CliContext): Promise<string> {
  const given = ctx.globals.token ?? (await ctx.io.readStdin()) ?? (await ctx.io.promptSecret('API token: '));
  const token = given?.trim() ?? '';
  if (token === '')
    throw invalid('no token given: pass --token TOKEN, pipe it on stdin, or type it when asked');
  if (/\s/.test(token))
    throw invalid('the token contains whitespace; give exactly the token that was printed');
  return token;
}

/**
 * Trust on first use: the CA the first https URL presents (a handshake that sends nothing), shown so the user can
 * compare it with what `sixpn server` printed; undefined for plain HTTP or a chain without a CA.
 */
async function firstUse(ctx: CliContext, api: string): Promise<Fingerprint | undefined> {
  const first = api.split(',')[0]?.trim() ?? '';
  if (!first.startsWith('https:')) return undefined;
  const u = new URL(first);
  const { presentedCas } = await import('../../client/tls-trust.ts');
  const cas = await presentedCas(
    u.hostname.replace(/^\[|\]$/g, ''),
    Number(u.port || 443),
    AbortSignal.timeout(10_000),
  ).catch((e: unknown) => {
    throw new SixpnError(
      'unavailable',
      `cannot reach the control plane at ${first}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  });
  const ca = cas.at(-1);
  if (!ca) return undefined;
  ctx.io.stderr(
    `the control plane at ${first} presents the CA ${formatFingerprint(ca.fingerprint)}\n` +
      'trusting it on first use and saving it with the login; compare it with what `sixpn server` printed at start\n',
  );
  return ca.fingerprint;
}

export const registerLogin: CommandGroup = (program, ctx) => {
  program
    .command('login')
    .description('save the API URL and a token for later commands (checked first with whoami)')
    .addHelpText('after', '\nThe token comes from --token, else stdin (when not a terminal), else a prompt.')
    .action(async () => {
      const file = await ctx.readLoginFile().catch(() => undefined); // a damaged file is about to be replaced
      const conn = resolveConnection({
        flags: { api: ctx.globals.api, ca: ctx.globals.ca },
        env: ctx.io.env,
        file,
      });
      const { api } = conn;
      const token = await tokenToUse(ctx);
      const tls = await ctx.trust();
      const pin = tls.fingerprint ?? (conn.caFile ? undefined : await firstUse(ctx, api));
      if (pin && !tls.fingerprint) Object.assign(tls, { fingerprint: pin, pinFrom: 'this login' });
      const client = new ApiClient({
        baseUrl: api,
        token,
        tls,
        ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}),
      });
      let me: Awaited<ReturnType<ApiClient['whoami']>>;
      try {
        me = await client.whoami();
      } catch (e) {
        if (isSixpnError(e) && e.code === 'unauthenticated') {
          throw new SixpnError(
            'unauthenticated',
            `the control plane at ${api} does not accept this token: ${e.message}`,
          );
        }
        throw e;
      }
      const path = ctx.loginFilePath;
      const ca_fingerprint = pin ? formatFingerprint(pin) : undefined;
      await writeLoginFile(path, {
        api,
        token,
        org: me.org,
        kind: me.kind,
        name: me.name,
        ...(ca_fingerprint ? { ca_fingerprint } : {}),
      });
      const scope = me.org ? ` (org ${me.org})` : '';
      ctx.out(`logged in to ${api} with ${me.kind} token '${me.name}'${scope}; saved to ${path}`);
    });
};
