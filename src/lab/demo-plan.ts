// The demo the lab sets up, as data: org acme (apps web and db) and org globex (app vault), all on private
// networking, placed on the lab's hosts, each instance a small HTTP server run by `sixpn run` on its host; web
// with a health check and a service address. Pure; demo.ts creates it through the API and the agents' sockets.

import { join } from 'node:path';
import type { LabNode, LabPlan } from './plan.ts';

export interface DemoInstance {
  org: string;
  app: string;
  region: string;
  host: string;
}

export interface DemoApp {
  org: string;
  name: string;
  /** Health checks, in the API's input form (src/core/checks.ts). */
  checks?: Record<string, unknown>[];
  service_address?: boolean;
}

export interface DemoPlan {
  orgs: string[];
  apps: DemoApp[];
  instances: DemoInstance[];
}

/** The port every demo server answers on (`curl http://db.internal:8080/`). */
export const DEMO_PORT = 8080;

/** web's check: its own server's `/`, every 2 s, so a dead server leaves DNS and the load balancer quickly. */
export const DEMO_WEB_CHECK = {
  type: 'http',
  port: DEMO_PORT,
  path: '/',
  interval: '2s',
  timeout: '500ms',
} as const;

/**
 * The demo server, run inside the instance by `sixpn run` ($1: the lab's www dir): a page `APP ID REGION` from
 * the SIXPN_* variables in `$1/<id>/index.html`, served by busybox httpd in the foreground (its PID is the one
 * `sixpn run` waits on; when it ends the instance is stopped).
 */
const SERVER_SCRIPT = [
  'd="$1/$SIXPN_INSTANCE_ID"',
  'mkdir -p "$d" || exit 1',
  `printf '%s %s %s\\n' "$SIXPN_APP_NAME" "$SIXPN_INSTANCE_ID" "$SIXPN_REGION" > "$d/index.html" || exit 1`,
  `exec busybox httpd -f -p '[::]:${DEMO_PORT}' -h "$d"`,
].join('\n');

/** Where demo server `i`'s output goes, and its key in lab.json's processes (`demo:web@ord1`). */
export const demoServerLog = (p: LabPlan, i: DemoInstance) => join(p.files.logs, `${i.app}-${i.host}.log`);
export const demoServerKey = (i: Pick<DemoInstance, 'app' | 'host'>) => `demo:${i.app}@${i.host}`;

/** `sixpn …` arguments of demo instance `i` on host `h`: `sixpn run` over the host agent's socket. */
export function demoServerArgs(p: LabPlan, h: LabNode, i: DemoInstance): string[] {
  return [
    'run',
    '--app',
    i.app,
    '--org',
    i.org,
    '--agent-socket',
    join(h.stateDir, 'agent.sock'),
    '--',
    'sh',
    '-c',
    SERVER_SCRIPT,
    'sixpn-demo',
    join(p.dir, 'www'),
  ];
}

/**
 * With the first region of `--regions` as home (ord by default): `web` gets one instance on every home host and
 * one on the first host of every other region; `db` one on the last home host (the other `ord` host when there
 * are two, so web → db crosses hosts); globex's `vault` one on the first home host, beside a `web` instance.
 * `web` has an HTTP check on its server and a service address (`svc.web.internal`).
 */
export function demoPlan(p: LabPlan): DemoPlan {
  const home = p.hosts[0]?.region;
  const homeHosts = p.hosts.filter((h) => h.region === home);
  const first = homeHosts[0];
  const last = homeHosts[homeHosts.length - 1];
  if (home === undefined || first === undefined || last === undefined) {
    return { orgs: [], apps: [], instances: [] };
  }
  const firstOfOthers = p.regions
    .map((r) => p.hosts.find((h) => h.region === r.code && r.code !== home))
    .filter((h) => h !== undefined);
  const at = (org: string, app: string, h: { region: string; name: string }): DemoInstance => ({
    org,
    app,
    region: h.region,
    host: h.name,
  });
  return {
    orgs: ['acme', 'globex'],
    apps: [
      { org: 'acme', name: 'web', checks: [DEMO_WEB_CHECK], service_address: true },
      { org: 'acme', name: 'db' },
      { org: 'globex', name: 'vault' },
    ],
    instances: [
      ...homeHosts.map((h) => at('acme', 'web', h)),
      ...firstOfOthers.map((h) => at('acme', 'web', h)),
      at('acme', 'db', last),
      at('globex', 'vault', first),
    ],
  };
}
