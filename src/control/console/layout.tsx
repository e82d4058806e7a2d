// The page shell every console page shares: head (assets, CSP-friendly: no inline script or style), the skip
// link, the navigation for the signed-in org (or the admin's choice of org), sign-out, and the live-status line.

import type { Child } from 'hono/jsx';
import type { Principal } from '../auth.ts';
import type { AssetUrls } from './assets.ts';

export interface PageContext {
  principal: Principal;
  /** The org the pages of the navigation are about (the token's, or the admin's current choice). */
  org: string | undefined;
  csrf: string;
  assets: AssetUrls;
  /** The revision the page was rendered at: the live stream resumes from it. */
  revision: number;
  path: string;
}

interface NavItem {
  href: string;
  label: string;
}

function navItems(ctx: PageContext): NavItem[] {
  const items: NavItem[] = [{ href: '/', label: 'Overview' }];
  if (ctx.org !== undefined) {
    const o = `/orgs/${encodeURIComponent(ctx.org)}`;
    items.push(
      { href: `${o}/apps`, label: 'Apps' },
      { href: `${o}/peers`, label: 'Peers' },
      { href: `${o}/usage`, label: 'Usage' },
      { href: `${o}/tokens`, label: 'CI tokens' },
    );
  }
  if (ctx.principal.kind === 'admin') items.push({ href: '/fleet', label: 'Fleet' });
  return items;
}

export function Layout(props: {
  ctx: PageContext;
  title: string;
  /** Refresh the live parts every this many ms (for data outside the watch stream, like peer handshakes). */
  pollMs?: number;
  children?: Child;
}) {
  const { ctx } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content={ctx.csrf} />
        <title>{`${props.title} · sixpn`}</title>
        <link rel="stylesheet" href={ctx.assets.css} />
        <script type="module" src={ctx.assets.js} />
      </head>
      <body
        data-revision={String(ctx.revision)}
        data-qr={ctx.assets.qr}
        data-poll={props.pollMs === undefined ? undefined : String(props.pollMs)}
      >
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">sixpn</span>
          <nav aria-label="Main">
            <ul>
              {navItems(ctx).map((i) => (
                <li>
                  <a href={i.href} aria-current={i.href === ctx.path ? 'page' : undefined}>
                    {i.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <form method="post" action="/logout" class="signout">
            <input type="hidden" name="csrf" value={ctx.csrf} />
            <span class="who">
              {ctx.principal.kind} token {ctx.principal.name}
              {ctx.org !== undefined ? ` · ${ctx.org}` : ''}
            </span>
            <button type="submit">Sign out</button>
          </form>
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
        <p id="live" class="live" role="status" aria-live="polite">
          Live: connecting…
        </p>
      </body>
    </html>
  );
}

/** A table that scrolls sideways inside itself on a narrow screen, so the page never does. */
export function Scroll(props: { label: string; children?: Child }) {
  return (
    <section class="scroll" aria-label={props.label} tabindex={0}>
      {props.children}
    </section>
  );
}

/** The shell of the sign-in page (no session yet: no navigation, no live stream). */
export function Bare(props: { title: string; css: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · sixpn`}</title>
        <link rel="stylesheet" href={props.css} />
      </head>
      <body>
        <main id="main" class="narrow">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
