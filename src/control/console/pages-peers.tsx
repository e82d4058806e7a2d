// The console's pages for joining the network: WireGuard peers (list with handshake and traffic; create one with
// keys made in the browser, download the wg-quick file or scan its QR code; remove), CI tokens that may only
// create and remove peers (shown once), and usage (a panel until usage accounting reports).

import type { Host, Network, Peer, PeerStatus, Token } from '../../core/model.ts';
import { Layout, type PageContext, Scroll } from './layout.tsx';
import { ageText, bytesText } from './view.ts';

function PeerRow(props: { p: Peer; st: PeerStatus | undefined; now: Date }) {
  const { p, st } = props;
  const hs = st?.last_handshake ? ageText(Date.parse(st.last_handshake), props.now) : undefined;
  return (
    <tr id={`peer-${p.id}`}>
      <th scope="row">{p.name}</th>
      <td>{p.network}</td>
      <td>
        {p.gateway} <span class="muted">({p.region})</span>
      </td>
      <td>
        <code>{p.address}</code>
      </td>
      <td>{hs === undefined ? 'never' : `${hs} ago`}</td>
      <td>{st ? `↓ ${bytesText(st.rx_bytes)} ↑ ${bytesText(st.tx_bytes)}` : '—'}</td>
      <td>
        <button
          type="button"
          id={`remove-${p.id}`}
          data-action="remove"
          data-confirm={`Remove peer ${p.name}? Its WireGuard file stops working.`}
          data-url={`/v1/orgs/${encodeURIComponent(p.org)}/peers/${encodeURIComponent(p.name)}`}
          aria-label={`Remove peer ${p.name}`}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

function PeerForm(props: { org: string; networks: Network[]; gateways: Host[] }) {
  const regions = [...new Set(props.gateways.map((g) => g.region))].sort();
  return (
    <form id="peer-form" class="card" data-org={props.org} aria-labelledby="peer-form-h">
      <h2 id="peer-form-h">Add a peer</h2>
      <p class="muted">
        The keys are made in this browser (WebCrypto X25519); the private key goes only into the file below.
      </p>
      <label for="peer-name">Name</label>
      <input id="peer-name" name="name" required pattern="[a-zA-Z0-9-]{1,63}" autocomplete="off" />
      <label for="peer-network">Network</label>
      <select id="peer-network" name="network">
        {props.networks.map((n) => (
          <option value={n.name}>{n.name}</option>
        ))}
      </select>
      <label for="peer-region">Region (with a gateway)</label>
      <select id="peer-region" name="region" required>
        {regions.map((r) => (
          <option value={r}>{r}</option>
        ))}
      </select>
      <button type="submit" disabled={regions.length === 0}>
        Create peer
      </button>
      {regions.length === 0 ? <p>No region has a gateway yet.</p> : null}
      <div id="peer-result" class="result" aria-live="polite" />
    </form>
  );
}

export function PeersPage(props: {
  ctx: PageContext;
  org: string;
  peers: Peer[];
  statuses: PeerStatus[];
  networks: Network[];
  gateways: Host[];
  now: Date;
}) {
  const byName = new Map(props.statuses.map((s) => [s.peer, s]));
  return (
    <Layout ctx={props.ctx} title={`Peers of ${props.org}`} pollMs={5000}>
      <div id="peers-live" data-live>
        {props.peers.length === 0 ? (
          <p>No peers yet.</p>
        ) : (
          <Scroll label="Peers">
            <table>
              <caption class="sr-only">WireGuard peers</caption>
              <thead>
                <tr>
                  <th scope="col">Peer</th>
                  <th scope="col">Network</th>
                  <th scope="col">Gateway</th>
                  <th scope="col">Address</th>
                  <th scope="col">Last handshake</th>
                  <th scope="col">Traffic</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {props.peers.map((p) => (
                  <PeerRow p={p} st={byName.get(p.name)} now={props.now} />
                ))}
              </tbody>
            </table>
          </Scroll>
        )}
      </div>
      <PeerForm org={props.org} networks={props.networks} gateways={props.gateways} />
    </Layout>
  );
}

export function TokensPage(props: { ctx: PageContext; org: string; tokens: Token[]; networks: Network[] }) {
  return (
    <Layout ctx={props.ctx} title={`CI tokens of ${props.org}`}>
      <p>Peer-only tokens: a CI job can create and remove peers of this org with one, and nothing else.</p>
      <div id="tokens-live" data-live>
        {props.tokens.length === 0 ? (
          <p>No peer tokens yet.</p>
        ) : (
          <Scroll label="Peer tokens">
            <table>
              <caption class="sr-only">Peer tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Network</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {props.tokens.map((t) => (
                  <tr id={`token-${t.id}`}>
                    <th scope="row">{t.name}</th>
                    <td>{t.network ?? 'any'}</td>
                    <td>{t.expires_at ?? 'never'}</td>
                    <td>
                      <button
                        type="button"
                        id={`revoke-${t.id}`}
                        data-action="remove"
                        data-confirm={`Revoke token ${t.name}?`}
                        data-url={`/v1/tokens/${encodeURIComponent(t.id)}`}
                        aria-label={`Revoke token ${t.name}`}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        )}
      </div>
      <form id="token-form" class="card" data-org={props.org} aria-labelledby="token-form-h">
        <h2 id="token-form-h">Create a peer token</h2>
        <label for="token-name">Name</label>
        <input id="token-name" name="name" required maxlength={100} autocomplete="off" />
        <label for="token-network">Network</label>
        <select id="token-network" name="network">
          <option value="">any network</option>
          {props.networks.map((n) => (
            <option value={n.name}>{n.name}</option>
          ))}
        </select>
        <label for="token-expiry">Expires in</label>
        <select id="token-expiry" name="expires_in">
          <option value="1h">1 hour</option>
          <option value="24h">1 day</option>
          <option value="30d" selected>
            30 days
          </option>
        </select>
        <button type="submit">Create token</button>
        <div id="token-result" class="result" aria-live="polite" />
      </form>
    </Layout>
  );
}

export function UsagePage(props: { ctx: PageContext; org: string; usage?: unknown[] }) {
  return (
    <Layout ctx={props.ctx} title={`Usage of ${props.org}`}>
      <section id="usage-live" data-live aria-labelledby="usage-h" class="card">
        <h2 id="usage-h">Private traffic, intra- and inter-region, per app</h2>
        {props.usage === undefined || props.usage.length === 0 ? (
          <p id="usage-empty">No usage data yet.</p>
        ) : (
          <p>{props.usage.length} usage records.</p>
        )}
      </section>
    </Layout>
  );
}
