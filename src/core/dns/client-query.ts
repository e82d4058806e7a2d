// Encoding of queries and reading of answers for DNS clients (`sixpn dig`, tests, benchmarks) with dns-packet.

import dnsPacket from 'dns-packet';
import { F, rcodeName, typeName, typeNumber } from './wire.ts';

export interface QueryOptions {
  id?: number;
  /** Add an OPT record (EDNS(0)) advertising this UDP payload size; none when undefined. */
  udpSize?: number;
  dnssecOk?: boolean;
  recursionDesired?: boolean;
}

/** A query for `name` of `type` (a name like `AAAA` or `TYPE65`). Throws RangeError for an unknown type. */
export function encodeQuery(name: string, type: string, opts: QueryOptions = {}): Buffer {
  const t = typeNumber(type);
  if (t === undefined) throw new RangeError(`unknown record type '${type}'`);
  const packet: dnsPacket.Packet = {
    type: 'query',
    id: opts.id ?? 0,
    flags: opts.recursionDesired === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: typeName(t) as dnsPacket.RecordType }],
  };
  if (opts.udpSize !== undefined) {
    packet.additionals = [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: opts.udpSize,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: opts.dnssecOk ? dnsPacket.DNSSEC_OK : 0,
        flag_do: opts.dnssecOk ?? false,
        options: [],
      },
    ];
  }
  return dnsPacket.encode(packet);
}

export interface DecodedResponse {
  id: number;
  rcode: string;
  /** Header flags as set: `aa`, `tc`, `rd`, `ra`, `ad`, `cd`. */
  flags: Set<string>;
  packet: dnsPacket.DecodedPacket;
}

/** Decodes a response; the rcode includes the EDNS extended bits (BADVERS). Throws on a malformed message. */
export function decodeResponse(buf: Uint8Array): DecodedResponse {
  const packet = dnsPacket.decode(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const raw = (buf[2]! << 8) | buf[3]!;
  let rcode = raw & 0xf;
  for (const a of packet.additionals ?? []) if (a.type === 'OPT') rcode |= (a.extendedRcode ?? 0) << 4;
  const flags = new Set<string>();
  const bits: [number, string][] = [
    [F.AA, 'aa'],
    [F.TC, 'tc'],
    [F.RD, 'rd'],
    [F.RA, 'ra'],
    [F.AD, 'ad'],
    [F.CD, 'cd'],
  ];
  for (const [bit, nameOf] of bits) if (raw & bit) flags.add(nameOf);
  return { id: packet.id ?? 0, rcode: rcodeName(rcode), flags, packet };
}
