// What `lab up`, `lab status` and `lab env` print: the fleet that was built, the demo instances, what to try next.
// Pure (text from the plan, the record and the status).

import { DEMO_PORT } from './demo-plan.ts';
import { wireguardTry } from './gateways.ts';
import { type LabPlan, labNodes } from './plan.ts';
import type { LabState } from './state.ts';
import type { LabStatus } from './status.ts';

/** Aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c].length);
    });
  }
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The `export …` lines of `sixpn lab env`: the CLI then talks to the lab's control plane as admin. */
/** What a user's shell needs: the URL (the socket), the admin token, and the CA (file and pin) of the https URL. */
export const renderEnv = (p: LabPlan, s: LabState, caFingerprint?: string) =>
  `export SIXPN_API_URL=${p.underlay.apiSocketUrl}\nexport SIXPN_TOKEN=${s.adminToken}\nexport SIXPN_CA=${p.files.caCert}\n` +
  (caFingerprint ? `export SIXPN_CA_FINGERPRINT=${caFingerprint}\n` : '');

const indent = (text: string, by = '  ') =>
  text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');

export function renderUp(p: LabPlan, s: LabState, bin = './bin/sixpn.js'): string {
  const nodes = labNodes(p);
  const fleet = table([
    ['control plane', `${p.underlay.apiUrl} in ${p.underlay.ns}; the CLI uses ${p.underlay.apiSocketUrl}`],
    ['upstream', `unbound ${p.upstream.listen} in ${p.upstream.ns}, zone example.test`],
    [
      'laptop',
      `${p.laptop.ns} ${p.laptop.address} (wg-quick ready: sixpn lab exec laptop -- wg-quick up FILE)`,
    ],
    ...nodes.map((n) => [
      n.role,
      `${n.name} (${n.region}) ${n.ns} ${n.address}, mesh ${n.meshInterface}, log ${n.log}`,
    ]),
  ]);
  const out = [`sixpn lab is up in ${p.dir}`, '', indent(fleet)];
  if (s.demo.length > 0) {
    out.push(
      '',
      indent(
        table([
          ['ORG', 'APP', 'INSTANCE', 'HOST', 'REGION', 'ADDRESS'],
          ...s.demo.map((d) => [d.org, d.app, d.id, d.host, d.region, d.address ?? '-']),
        ]),
      ),
    );
    const web = s.demo.find((d) => d.app === 'web');
    const vault = s.demo.find((d) => d.app === 'vault');
    const far = s.demo.find((d) => d.app === 'web' && d.region !== web?.region)?.region;
    const lab = `${bin} lab${p.name ? ` --name ${p.name}` : ''}`;
    const x = (id: string | undefined, cmd: string, note = '') =>
      `${lab} exec ${id ?? '<instance>'} -- ${cmd}${note ? `    # ${note}` : ''}`;
    out.push(
      '',
      'Try (as root):',
      indent(
        [
          x(web?.id, 'getent ahosts db.internal', 'db, found by name'),
          x(web?.id, 'ping -6 -c 2 db.internal', 'across hosts, over WireGuard'),
          x(web?.id, 'dig +short aaaa web.internal'),
          x(web?.id, 'dig +short txt regions.web.internal'),
          x(web?.id, 'dig +short aaaa top1.nearest.of.web.internal'),
          x(web?.id, `curl -s http://db.internal:${DEMO_PORT}/`, 'db answers: app, instance id, region'),
          x(
            web?.id,
            `curl -s http://svc.web.internal:${DEMO_PORT}/`,
            "web's service address: a passing instance, nearest first",
          ),
          ...(far ? [x(web?.id, `curl -s http://${far}.web.internal:${DEMO_PORT}/`, `web in ${far}`)] : []),
          x(web?.id, 'dig +short www.example.test', 'other names go to the upstream'),
          x(vault?.id, 'dig aaaa web.internal', 'NXDOMAIN: globex cannot see acme'),
          x(web?.id, "sh -c 'env | grep ^SIXPN_'", 'its SIXPN_* env'),
          `eval "$(${lab} env)" && ${bin} instances list`,
          ...wireguardTry(p, bin, lab),
          `${lab} status    ${lab} logs ${p.hosts[0]?.name ?? 'HOST'} -f    ${lab} down`,
        ].join('\n'),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

export function renderStatus(st: LabStatus): string {
  if (st.phase === 'none') {
    return `no lab in ${st.dir}; bring one up with: sixpn lab${st.name ? ` --name ${st.name}` : ''} up\n`;
  }
  const yes = (b: boolean) => (b ? 'yes' : 'NO');
  const out = [
    `lab in ${st.dir}: ${st.up ? 'up' : st.phase === 'building' ? 'half built (lab up did not finish)' : 'up, with problems'} (since ${st.createdAt})`,
    `api: ${st.api?.url} (CLI: ${st.api?.socket}), revision ${st.api?.revision ?? '?'}`,
    '',
    table([
      ['NODE', 'ROLE', 'NAMESPACE', 'ADDRESS', 'NS', 'PID', 'ALIVE', 'REVISION', 'PEERS', 'DNS'],
      ...st.services.map((s) => [
        s.name,
        'service',
        s.ns,
        s.address,
        yes(s.namespace),
        s.pid === null ? '-' : String(s.pid),
        s.pid === null ? '-' : yes(s.alive),
        '-',
        '-',
        '-',
      ]),
      ...st.nodes.map((n) => [
        n.name,
        `${n.role} ${n.region}`,
        n.ns,
        n.address,
        yes(n.namespace),
        n.process ? String(n.process.pid) : '-',
        n.process ? yes(n.process.alive) : '-',
        n.agent ? String(n.agent.revision) : '-',
        n.agent?.peers === undefined ? '-' : String(n.agent.peers),
        n.agent?.dns ?? '-',
      ]),
      ...st.servers.map((v) => [
        v.name,
        'demo server',
        v.ns,
        `:${DEMO_PORT}`,
        '-',
        String(v.pid),
        yes(v.alive),
        '-',
        '-',
        '-',
      ]),
    ]),
  ];
  if (st.instances.length > 0) {
    out.push(
      '',
      table([
        ['INSTANCE', 'ORG', 'APP', 'HOST', 'REGION', 'STATE', 'ADDRESS', 'NS'],
        ...st.instances.map((i) => [
          i.id,
          i.org,
          i.app,
          i.host,
          i.region,
          i.state,
          i.address ?? '-',
          yes(i.namespace),
        ]),
      ]),
    );
  }
  if (st.problems.length > 0) out.push('', 'problems:', ...st.problems.map((p) => `  - ${p}`));
  return `${out.join('\n')}\n`;
}
