// `sixpn login`: checks a token with GET /v1/whoami and saves it with the API URL in the login file (mode 0600).

import { ApiClient } from '../../client/api-client.ts';
import { invalid, isSixpnError, SixpnError } from '../../core/errors.ts';
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

export const registerLogin: CommandGroup = (program, ctx) => {
  program
    .command('login')
    .description('save the API URL and a token for later commands (checked first with whoami)')
    .addHelpText('after', '\nThe token comes from --token, else stdin (when not a terminal), else a prompt.')
    .action(async () => {
      const file = await ctx.readLoginFile().catch(() => undefined); // a damaged file is about to be replaced
      const { api } = resolveConnection({ flags: { api: ctx.globals.api }, env: ctx.io.env, file });
      const token = await tokenToUse(ctx);
      const client = new ApiClient({ baseUrl: api, token, ...(ctx.io.fetch ? { fetch: ctx.io.fetch } : {}) });
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
      await writeLoginFile(path, { api, token, org: me.org, kind: me.kind, name: me.name });
      const scope = me.org ? ` (org ${me.org})` : '';
      ctx.out(`logged in to ${api} with ${me.kind} token '${me.name}'${scope}; saved to ${path}`);
    });
};
