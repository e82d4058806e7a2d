// The web console's routes on the API's listener: sign-in and sign-out, the pages (rendered on the server with
// Hono's JSX), the static assets, and the server-side key pair for browsers without WebCrypto X25519. Every page
// reads state through the signed-in token's scope; another org's page is a 404, like the API's.

import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { isSixpnError, SixpnError } from '../../core/errors.ts';
import { generateKeyPair } from '../../core/wg/keys.ts';
import type { Deps } from '../api/route.ts';
import { checkOrgAccess, hashSecret, type Principal } from '../auth.ts';
import { acceptsGzip, consoleAssets } from './assets.ts';
import type { PageContext } from './layout.tsx';
import { FleetPage, NotFoundPage, SignInPage } from './pages-fleet.tsx';
import { AppsPage, NetworkPage, OverviewPage } from './pages-org.tsx';
import { PeersPage, TokensPage, UsagePage } from './pages-peers.tsx';
import { type SessionAuth, sessionAuth, sessionCookie, signIn, type TokenLookup } from './session.ts';

/** Every page of the console (the authorization matrix walks this list). */
export const CONSOLE_PAGES = [
  '/',
  '/fleet',
  '/orgs/:org/apps',
  '/orgs/:org/networks/:network',
  '/orgs/:org/peers',
  '/orgs/:org/tokens',
  '/orgs/:org/usage',
] as const;

/** No inline script or style, nothing from another origin: an injected tag cannot run. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** An HTML response, gzipped when the browser takes it. */
async function html(c: Context, page: JSX.Element, status = 200, extra: Record<string, string> = {}) {
  const text = `<!doctype html>${await page.toString()}`;
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    vary: 'accept-encoding',
    ...extra,
  };
  if (!acceptsGzip(c.req.raw)) return new Response(text, { status, headers });
  return new Response(gzipSync(text), { status, headers: { ...headers, 'content-encoding': 'gzip' } });
}

type PageFn = (c: Context, who: SessionAuth, ctx: PageContext) => Promise<Response>;

/** Orgs a page may show for `p` at `org`: 404 (as in the API) when the token may not see it. */
async function orgOf(deps: Deps, p: Principal, org: string): Promise<string> {
  checkOrgAccess(p, org);
  await deps.store.getOrg(org);
  return org;
}

export function consoleRoutes(deps: Deps, tokens: TokenLookup): Hono {
  const app = new Hono();
  const now = () => deps.now();
  const css = () => consoleAssets().urls.css;

  const context = async (c: Context, who: SessionAuth, org: string | undefined): Promise<PageContext> => ({
    principal: who.principal,
    org: org ?? (who.principal.kind === 'org' ? (who.principal.org ?? undefined) : undefined),
    csrf: who.csrf,
    assets: consoleAssets().urls,
    revision: await deps.store.headRevision(),
    path: c.req.path,
  });

  /** A page behind sign-in: no session → the sign-in page; an org the token may not see → 404. */
  const page =
    (fn: PageFn, adminOnly = false) =>
    async (c: Context) => {
      let who: SessionAuth | undefined;
      try {
        who = await sessionAuth(c.req.raw, deps.store, tokens, now());
      } catch (e) {
        if (isSixpnError(e) && e.code === 'unauthenticated') {
          return html(c, <SignInPage css={css()} error={e.message} />, 401, {
            'set-cookie': sessionCookie(c.req.raw, undefined),
          });
        }
        throw e;
      }
      if (!who) return html(c, <SignInPage css={css()} />, c.req.path === '/' ? 200 : 401);
      const orgParam = c.req.param('org');
      try {
        if (adminOnly && who.principal.kind !== 'admin') throw new SixpnError('not_found', 'no such page');
        const org = orgParam === undefined ? undefined : await orgOf(deps, who.principal, orgParam);
        return await fn(c, who, await context(c, who, org));
      } catch (e) {
        if (!isSixpnError(e) || e.code !== 'not_found') throw e;
        const ctx = await context(c, who, undefined);
        return html(c, <NotFoundPage ctx={ctx} what={`Nothing here: ${c.req.path}`} />, 404);
      }
    };

  const scopeOf = (p: Principal, org: string | undefined) =>
    p.kind === 'org' ? { org: p.org ?? '' } : org === undefined ? {} : { org };

  signInRoutes(app, deps, tokens);

  /** Browsers without WebCrypto X25519: a key pair made here, sent once, never stored or logged. */
  app.post('/console/keypair', async (c) => {
    const who = await sessionAuth(c.req.raw, deps.store, tokens, now());
    if (!who) throw new SixpnError('unauthenticated', 'sign in to the console first');
    const kp = generateKeyPair();
    return c.json({ private_key: kp.privateKey, public_key: kp.publicKey }, 200, {
      'cache-control': 'no-store',
    });
  });

  app.get(
    '/',
    page(async (c, who, ctx) => {
      const s = await deps.store.snapshot(scopeOf(who.principal, undefined));
      const statuses = ctx.org ? await deps.store.listPeerStatus(ctx.org) : [];
      return html(c, <OverviewPage ctx={ctx} s={s} statuses={statuses} now={now()} />);
    }),
  );
  app.get(
    '/fleet',
    page(async (c, _who, ctx) => {
      const hosts = await deps.store.listHosts();
      return html(c, <FleetPage ctx={ctx} hosts={hosts} head={ctx.revision} />);
    }, true),
  );
  registerOrgPages(app, deps, page, scopeOf);
  return app;
}

function registerOrgPages(
  app: Hono,
  deps: Deps,
  page: (fn: PageFn) => (c: Context) => Promise<Response>,
  scopeOf: (p: Principal, org: string | undefined) => { org?: string },
): void {
  const orgPage = (path: string, fn: (c: Context, ctx: PageContext, org: string) => Promise<Response>) =>
    app.get(
      `/orgs/:org/${path}`,
      page((c, _who, ctx) => fn(c, ctx, ctx.org ?? '')),
    );
  orgPage('apps', async (c, ctx, org) => {
    const s = await deps.store.snapshot(scopeOf(ctx.principal, org));
    return html(c, <AppsPage ctx={ctx} s={s} />);
  });
  orgPage('networks/:network', async (c, ctx, org) => {
    const network = await deps.store.getNetwork(org, c.req.param('network') ?? '');
    const s = await deps.store.snapshot(scopeOf(ctx.principal, org));
    const peers = s.peers.filter((p) => p.network === network.name);
    return html(c, <NetworkPage ctx={ctx} s={s} network={network} peers={peers} />);
  });
  orgPage('peers', async (c, ctx, org) => {
    const [peers, statuses, networks, gateways] = await Promise.all([
      deps.store.listPeers({ org }),
      deps.store.listPeerStatus(org),
      deps.store.listNetworks(org),
      deps.store.listHosts('gateway'),
    ]);
    const props = { ctx, org, peers, statuses, networks, now: deps.now() };
    return html(c, <PeersPage {...props} gateways={gateways.filter((g) => g.peer_key !== null)} />);
  });
  orgPage('tokens', async (c, ctx, org) => {
    const [tokens, networks] = await Promise.all([
      deps.store.listTokens({ org, kind: 'peer' }),
      deps.store.listNetworks(org),
    ]);
    return html(c, <TokensPage ctx={ctx} org={org} tokens={tokens} networks={networks} />);
  });
  orgPage('usage', async (c, ctx, org) => html(c, <UsagePage ctx={ctx} org={org} />));
}

/** Assets, sign-in (token → session cookie) and sign-out (deletes the session). */
function signInRoutes(app: Hono, deps: Deps, tokens: TokenLookup): void {
  const now = () => deps.now();
  const css = () => consoleAssets().urls.css;
  app.get('/assets/:file', (c) => {
    const a = consoleAssets().byPath.get(c.req.path);
    if (!a) return c.text('no such asset', 404);
    const headers: Record<string, string> = {
      'content-type': a.type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (!acceptsGzip(c.req.raw)) return new Response(a.body, { headers });
    return new Response(a.gzip, { headers: { ...headers, 'content-encoding': 'gzip' } });
  });

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token : '';
    try {
      const s = await signIn(token, deps.store, tokens, now());
      const maxAge = Math.floor((Date.parse(s.session.expires_at) - now().getTime()) / 1000);
      deps.logger.info({ kind: s.principal.kind, name: s.principal.name }, 'console sign-in');
      return new Response(null, {
        status: 303,
        headers: { location: '/', 'set-cookie': sessionCookie(c.req.raw, s.secret, maxAge) },
      });
    } catch (e) {
      if (!isSixpnError(e)) throw e;
      return html(c, <SignInPage css={css()} error={e.message} />, 401);
    }
  });

  app.post('/logout', async (c) => {
    const form = await c.req.parseBody();
    const csrf = typeof form.csrf === 'string' ? form.csrf : undefined;
    const who = await sessionAuth(c.req.raw, deps.store, tokens, now(), csrf).catch(() => undefined);
    if (who) await deps.store.deleteSession(hashSecret(who.secret));
    return new Response(null, {
      status: 303,
      headers: { location: '/', 'set-cookie': sessionCookie(c.req.raw, undefined) },
    });
  });
}
