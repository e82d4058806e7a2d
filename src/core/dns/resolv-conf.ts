// Reads the `nameserver` lines of a resolv.conf (resolv.conf(5)): the default upstreams of the DNS server.

/** The nameserver addresses in order; comments (`#`, `;`) and other options are ignored. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)$/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}
