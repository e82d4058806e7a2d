// The console's admin page (hosts and gateways, with the revision their agents applied and how far behind the
// head they are), the sign-in page and the not-found page.

import type { Host } from '../../core/model.ts';
import { Bare, Layout, type PageContext, Scroll } from './layout.tsx';
import { agentRevisionOf } from './view.ts';

function HostRow(props: { h: Host; head: number }) {
  const { h } = props;
  const rev = agentRevisionOf(h);
  return (
    <tr id={`host-${h.id}`}>
      <th scope="row">{h.name}</th>
      <td>{h.role}</td>
      <td>{h.region}</td>
      <td>{h.num}</td>
      <td>
        <code>{h.endpoint ?? '—'}</code>
      </td>
      <td>{h.registered_at === null ? 'not yet' : h.registered_at}</td>
      <td>{rev === undefined ? '—' : rev}</td>
      <td>{rev === undefined ? '—' : Math.max(0, props.head - rev)}</td>
    </tr>
  );
}

export function FleetPage(props: { ctx: PageContext; hosts: Host[]; head: number }) {
  return (
    <Layout ctx={props.ctx} title="Fleet">
      <div id="fleet-live" data-live>
        <p>
          Control plane at revision <strong>{props.head}</strong>.
        </p>
        <Scroll label="Hosts and gateways">
          <table>
            <caption class="sr-only">Hosts and gateways</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Region</th>
                <th scope="col">Host id</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Registered</th>
                <th scope="col">Agent revision</th>
                <th scope="col">Lag</th>
              </tr>
            </thead>
            <tbody>
              {props.hosts.map((h) => (
                <HostRow h={h} head={props.head} />
              ))}
            </tbody>
          </table>
        </Scroll>
      </div>
    </Layout>
  );
}

export function SignInPage(props: { css: string; error?: string }) {
  return (
    <Bare title="Sign in to sixpn" css={props.css}>
      <form method="post" action="/login" class="card">
        <p>
          Paste an org or admin API token. It is exchanged for a session cookie and is not kept by this
          browser.
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          required
          autocomplete="off"
          aria-describedby={props.error ? 'signin-error' : undefined}
        />
        {props.error ? (
          <p id="signin-error" class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <button type="submit">Sign in</button>
      </form>
    </Bare>
  );
}

export function NotFoundPage(props: { ctx: PageContext; what: string }) {
  return (
    <Layout ctx={props.ctx} title="Not found">
      <p>{props.what}</p>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </Layout>
  );
}
