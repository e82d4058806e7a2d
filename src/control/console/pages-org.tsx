// The console's pages about an org's state: the overview (map, counts, what needs a look), the apps with their
// instances, and one page per network. Every part that follows the watch stream is a `data-live` element with an
// id: the client swaps those in place and leaves forms alone.

import type { App, Instance, Network, Peer, PeerStatus, Snapshot } from '../../core/model.ts';
import { Layout, type PageContext, Scroll } from './layout.tsx';
import { RegionMap } from './map.tsx';
import { attention, checksOf, instanceCounts, regionViews, serviceAddressOf } from './view.ts';

const orgPath = (org: string, rest: string) => `/orgs/${encodeURIComponent(org)}/${rest}`;

function Counts(props: { s: Snapshot }) {
  const c = instanceCounts(props.s.instances);
  const items: [string, string][] = [
    ['apps', String(props.s.apps.length)],
    ['instances started', `${c.started} of ${c.total}`],
    ['peers', String(props.s.peers.length)],
    ['networks', String(props.s.networks.length)],
  ];
  return (
    <dl class="counts">
      {items.map(([k, v]) => (
        <div>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function OverviewPage(props: { ctx: PageContext; s: Snapshot; statuses: PeerStatus[]; now: Date }) {
  const { s, ctx } = props;
  const todo = attention(s, props.statuses, props.now);
  const regions = regionViews(s);
  return (
    <Layout ctx={ctx} title="Overview">
      <div id="overview-live" data-live>
        <section aria-labelledby="attention-h">
          <h2 id="attention-h">Needs a look</h2>
          {todo.length === 0 ? (
            <p class="ok">Everything is healthy.</p>
          ) : (
            <ul class="attention">
              {todo.map((a) => (
                <li>
                  <strong>{a.what}</strong>: {a.why}
                </li>
              ))}
            </ul>
          )}
        </section>
        <Counts s={s} />
        <section aria-labelledby="regions-h">
          <h2 id="regions-h">Regions</h2>
          <RegionMap regions={regions} />
          <Scroll label="Regions">
            <table>
              <caption class="sr-only">Regions with their hosts and gateways</caption>
              <thead>
                <tr>
                  <th scope="col">Region</th>
                  <th scope="col">Hosts</th>
                  <th scope="col">Gateways</th>
                  <th scope="col">Instances</th>
                </tr>
              </thead>
              <tbody>
                {regions.map((r) => (
                  <tr>
                    <th scope="row">
                      {r.region.code} <span class="muted">{r.region.name}</span>
                    </th>
                    <td>{r.hosts.map((h) => h.name).join(', ') || '—'}</td>
                    <td>{r.gateways.map((h) => h.name).join(', ') || '—'}</td>
                    <td>{r.instances}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </section>
        <OrgList ctx={ctx} s={s} />
      </div>
    </Layout>
  );
}

/** Admins: the orgs with links to their pages; org tokens: their networks. */
function OrgList(props: { ctx: PageContext; s: Snapshot }) {
  const { s } = props;
  return (
    <section aria-labelledby="orgs-h">
      <h2 id="orgs-h">{props.ctx.principal.kind === 'admin' ? 'Organizations' : 'Networks'}</h2>
      <ul class="orgs">
        {s.orgs.map((o) => (
          <li>
            <a href={orgPath(o.name, 'apps')}>{o.name}</a>
            {': '}
            {s.networks
              .filter((n) => n.org === o.name)
              .map((n, i) => (
                <>
                  {i > 0 ? ', ' : ''}
                  <a href={orgPath(o.name, `networks/${encodeURIComponent(n.name)}`)}>
                    {n.name} <span class="muted">{n.prefix}</span>
                  </a>
                </>
              ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

function InstanceRow(props: { i: Instance }) {
  const { i } = props;
  const verb = i.state === 'started' ? 'stop' : 'start';
  return (
    <tr id={`instance-${i.id}`} data-state={i.state}>
      <th scope="row">
        <code>{i.id}</code>
      </th>
      <td>{i.region}</td>
      <td>{i.host}</td>
      <td class={`state ${i.state}`}>{i.state}</td>
      <td>{checksOf(i) ?? '—'}</td>
      <td>
        <code>{i.address ?? '—'}</code>
      </td>
      <td>
        <button
          type="button"
          id={`${verb}-${i.id}`}
          data-action={verb}
          data-url={`/v1/instances/${encodeURIComponent(i.id)}/${verb}`}
          aria-label={`${verb} instance ${i.id}`}
        >
          {verb === 'stop' ? 'Stop' : 'Start'}
        </button>
      </td>
    </tr>
  );
}

export function AppSection(props: { app: App; instances: Instance[] }) {
  const { app } = props;
  const hid = `app-${app.id}`;
  return (
    <section aria-labelledby={hid} class="app">
      <h2 id={hid}>{app.name}</h2>
      <p class="meta">
        network <a href={orgPath(app.org, `networks/${encodeURIComponent(app.network)}`)}>{app.network}</a>
        {' · '}private networking {app.private_network ? 'on' : 'off'}
        {' · '}service address <code>{serviceAddressOf(app) ?? '—'}</code>
      </p>
      <Scroll label={`Instances of ${app.name}`}>
        <table class="instances">
          <caption class="sr-only">{`Instances of ${app.name}`}</caption>
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Region</th>
              <th scope="col">Host</th>
              <th scope="col">State</th>
              <th scope="col">Checks</th>
              <th scope="col">Address</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {props.instances.map((i) => (
              <InstanceRow i={i} />
            ))}
          </tbody>
        </table>
      </Scroll>
    </section>
  );
}

function Apps(props: { apps: App[]; instances: Instance[] }) {
  if (props.apps.length === 0) return <p>No apps yet.</p>;
  const byApp = new Map<string, Instance[]>();
  for (const i of props.instances) {
    const k = `${i.org}/${i.app}`;
    byApp.set(k, [...(byApp.get(k) ?? []), i]);
  }
  return (
    <>
      {props.apps.map((a) => (
        <AppSection app={a} instances={byApp.get(`${a.org}/${a.name}`) ?? []} />
      ))}
    </>
  );
}

export function AppsPage(props: { ctx: PageContext; s: Snapshot }) {
  return (
    <Layout ctx={props.ctx} title={`Apps of ${props.ctx.org ?? ''}`}>
      <div id="apps-live" data-live>
        <Apps apps={props.s.apps} instances={props.s.instances} />
      </div>
    </Layout>
  );
}

export function NetworkPage(props: { ctx: PageContext; s: Snapshot; network: Network; peers: Peer[] }) {
  const { network: n, s } = props;
  const apps = s.apps.filter((a) => a.network === n.name);
  return (
    <Layout ctx={props.ctx} title={`Network ${n.org}/${n.name}`}>
      <div id="network-live" data-live>
        <dl class="counts">
          <div>
            <dt>prefix</dt>
            <dd>
              <code>{n.prefix}</code>
            </dd>
          </div>
          <div>
            <dt>DNS</dt>
            <dd>
              <code>{n.dns}</code>
            </dd>
          </div>
          <div>
            <dt>peers</dt>
            <dd>{props.peers.length}</dd>
          </div>
        </dl>
        <Apps apps={apps} instances={s.instances.filter((i) => i.network === n.name)} />
      </div>
    </Layout>
  );
}
