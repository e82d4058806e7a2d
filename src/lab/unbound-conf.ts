// The lab's upstream resolver: an unbound.conf (see unbound.conf(5)) that serves the test zone `example.test`
// on the underlay and answers every other name NXDOMAIN at once (the lab has no internet to recurse to). Pure.

export interface UnboundOptions {
  /** Underlay address to listen on, port 53. */
  address: string;
  /** Its working directory (the lab's), so nothing from /etc/unbound is read. */
  dir: string;
  /** Who may ask: the underlay, and the 6PN prefix when agents forward from an instance. */
  allow: string[];
}

/** `www.example.test` answers these; the e2e tests and the walkthrough check them. */
export const EXAMPLE_TEST = { name: 'www.example.test', a: '198.18.0.80', aaaa: 'fdff::80' } as const;

export function renderUnboundConf(o: UnboundOptions): string {
  return [
    '# sixpn lab upstream resolver; written by `sixpn lab up`, removed by `sixpn lab down`',
    'server:',
    `  interface: ${o.address}`,
    '  port: 53',
    '  do-ip6: no',
    '  do-daemonize: no',
    '  use-syslog: no',
    '  logfile: ""',
    '  log-queries: no',
    '  verbosity: 1',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${o.dir}"`,
    '  pidfile: ""',
    '  num-threads: 1',
    '  so-reuseport: no',
    '  access-control: 0.0.0.0/0 refuse',
    ...o.allow.map((a) => `  access-control: ${a} allow`),
    '  local-zone: "." static',
    '  local-zone: "example.test." static',
    `  local-data: "example.test. 3600 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60"`,
    `  local-data: "${EXAMPLE_TEST.name}. 60 IN A ${EXAMPLE_TEST.a}"`,
    `  local-data: "${EXAMPLE_TEST.name}. 60 IN AAAA ${EXAMPLE_TEST.aaaa}"`,
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}
