// The endpoint peers are told to connect to, `HOST:PORT`: HOST an IPv4 address, an [IPv6] address, or a DNS name
// (wg-quick resolves it); PORT is also the peer interface's listen port. Pure.

import { tryParseIPv6 } from '../core/address.ts';
import { invalid } from '../core/errors.ts';
import { isIPv4 } from '../core/wg/endpoint.ts';

const NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function parsePeerEndpoint(text: string): { text: string; port: number } {
  const bad = () =>
    invalid(
      `--peer-endpoint '${text}' must be HOST:PORT, e.g. 198.51.100.7:51821, [2001:db8::7]:51821 or gw.example.com:51821`,
      { field: 'peer-endpoint' },
    );
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw bad();
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || Number(portText) > 65535) throw bad();
  const v6 = host.startsWith('[') && host.endsWith(']') ? tryParseIPv6(host.slice(1, -1)) : undefined;
  if (
    v6 === undefined &&
    !isIPv4(host) &&
    (host.includes(':') || !NAME.test(host) || /^[0-9.]+$/.test(host))
  ) {
    throw bad();
  }
  return { text, port: Number(portText) };
}
