// The source addresses the batched UDP path hands over: `struct sockaddr_in` / `sockaddr_in6` as Linux writes
// them (ip(7), ipv6(7)): family (host byte order), port (network order), then the address. Decoded only where
// text is needed (logs, tests); the hot path reads the network straight from the bytes (source-network.ts).

/** Linux's address family numbers. */
export const AF_INET = 2;
export const AF_INET6 = 10;
/** sizeof(struct sockaddr_in6); a sockaddr_in takes 16. */
export const SOCKADDR_IN6_LEN = 28;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SockAddr {
  family: 4 | 6;
  /** IPv4 dotted quad, or IPv6 as eight hex groups (no `::` compression, no scope). */
  address: string;
  port: number;
  /** IPv6 scope id (interface index), 0 for none. */
  scope?: number;
}

/** The family field: `sa_family_t`, in host byte order. */
export function sockaddrFamily(b: Uint8Array, off: number): number {
  return LITTLE_ENDIAN ? b[off]! | (b[off + 1]! << 8) : (b[off]! << 8) | b[off + 1]!;
}

/** Decodes the sockaddr at `off`; undefined for a family other than AF_INET and AF_INET6. */
export function decodeSockaddr(b: Uint8Array, off: number): SockAddr | undefined {
  const family = sockaddrFamily(b, off);
  const port = (b[off + 2]! << 8) | b[off + 3]!;
  if (family === AF_INET) {
    return { family: 4, address: `${b[off + 4]}.${b[off + 5]}.${b[off + 6]}.${b[off + 7]}`, port };
  }
  if (family !== AF_INET6) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[off + 8 + 2 * i]! << 8) | b[off + 9 + 2 * i]!).toString(16));
  const v = new DataView(b.buffer, b.byteOffset + off);
  const scope = v.getUint32(24, LITTLE_ENDIAN);
  return { family: 6, address: groups.join(':'), port, ...(scope ? { scope } : {}) };
}

/** Encodes `a` as the kernel would (for tests and fakes): 16 bytes for IPv4, 28 for IPv6. */
export function encodeSockaddr(a: SockAddr): Uint8Array {
  const out = new Uint8Array(a.family === 4 ? 16 : SOCKADDR_IN6_LEN);
  const v = new DataView(out.buffer);
  v.setUint16(0, a.family === 4 ? AF_INET : AF_INET6, LITTLE_ENDIAN);
  v.setUint16(2, a.port);
  if (a.family === 4) {
    for (const [i, x] of a.address.split('.').entries()) v.setUint8(4 + i, Number(x));
    return out;
  }
  for (const [i, g] of a.address.split(':').entries()) v.setUint16(8 + 2 * i, Number.parseInt(g, 16));
  v.setUint32(24, a.scope ?? 0, LITTLE_ENDIAN);
  return out;
}
