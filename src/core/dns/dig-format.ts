// Formats answer records the way `dig +short` prints them: one line per record, data only
// (TXT strings quoted and escaped as in RFC 1035 §5.1 master files, names with their trailing dot).

import type dnsPacket from 'dns-packet';

const fqdn = (name: string): string => (name === '' || name === '.' ? '.' : `${name}.`);

/** A character-string quoted the way dig prints it: `"` and `\` escaped, bytes outside 0x20–0x7e as \DDD. */
export function quoteTxt(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x22 || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c < 0x20 || c > 0x7e) s += `\\${c.toString().padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return `${s}"`;
}

function txtStrings(data: unknown): Uint8Array[] {
  const items = Array.isArray(data) ? data : [data];
  return items.map((x) => (typeof x === 'string' ? Buffer.from(x) : (x as Uint8Array)));
}

/** One record's data as `dig +short` shows it. */
export function formatRecordData(a: dnsPacket.Answer): string {
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return a.data;
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      return fqdn(a.data);
    case 'TXT':
      return txtStrings(a.data).map(quoteTxt).join(' ');
    case 'MX':
      return `${a.data.preference ?? 0} ${fqdn(a.data.exchange)}`;
    case 'SRV':
      return `${a.data.priority ?? 0} ${a.data.weight ?? 0} ${a.data.port} ${fqdn(a.data.target)}`;
    case 'SOA': {
      const d = a.data;
      return `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial ?? 0} ${d.refresh ?? 0} ${d.retry ?? 0} ${d.expire ?? 0} ${d.minimum ?? 0}`;
    }
    case 'CAA':
      return `${a.data.flags ?? 0} ${a.data.tag} "${a.data.value}"`;
    default: {
      // RFC 3597 generic form for everything else
      const raw = (a as { data?: unknown }).data;
      const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(0);
      const hex = Buffer.from(bytes).toString('hex').toUpperCase();
      return bytes.length === 0 ? '\\# 0' : `\\# ${bytes.length} ${hex}`;
    }
  }
}

/** The answer section of a decoded response as `dig +short` lines (no OPT, no authority). */
export function formatShort(packet: dnsPacket.DecodedPacket): string[] {
  return (packet.answers ?? []).filter((a) => a.type !== 'OPT').map(formatRecordData);
}
