// The wg-quick file of a new peer, from the API's answer and the private key made on this machine, and the
// readable default peer name. Pure.

import { formatIPv6, parseIPv6 } from '../../core/address.ts';
import { SixpnError } from '../../core/errors.ts';
import { PEER_NAME_RE } from '../../core/names.ts';
import { parsePublicKey, type WgPrivateKey } from '../../core/wg/keys.ts';
import { renderWgQuick } from '../../core/wg/wg-quick.ts';

/** The peer's /120: its `Address` line. */
export const PEER_PREFIX_LENGTH = 120;
/** Keeps NAT mappings of laptops and CI runners open, as the WireGuard apps suggest for roaming clients. */
export const PERSISTENT_KEEPALIVE = 15;

/** What `POST /v1/orgs/:org/peers` answered (the fields the file needs). */
export interface CreatedPeerView {
  peer: { name: string; org: string; network: string; address: string };
  gateway: { name: string; region: string; peer_key: string | null; peer_endpoint: string | null };
  network: { prefix: string; dns: string };
}

/**
 * The wg-quick file: `Address = <peer>/120`, `DNS = fdaa:N:N::3`, the private key, and the gateway as the one
 * `[Peer]` with `AllowedIPs = fdaa:N:N::/48`, its endpoint and `PersistentKeepalive = 15`.
 */
export function renderPeerConfig(created: CreatedPeerView, privateKey: WgPrivateKey): string {
  const { peer, gateway, network } = created;
  if (gateway.peer_key === null || gateway.peer_endpoint === null) {
    throw new SixpnError(
      'failed_precondition',
      `gateway '${gateway.name}' has not registered its WireGuard key and endpoint yet; retry once it runs`,
    );
  }
  return renderWgQuick({
    comments: [
      `sixpn peer '${peer.name}' of ${peer.org}/${peer.network}`,
      `gateway ${gateway.name} (${gateway.region})`,
    ],
    interface: {
      privateKey,
      address: [`${formatIPv6(parseIPv6(peer.address))}/${PEER_PREFIX_LENGTH}`],
      dns: [formatIPv6(parseIPv6(network.dns))],
    },
    peers: [
      {
        publicKey: parsePublicKey(gateway.peer_key),
        allowedIps: [network.prefix],
        endpoint: gateway.peer_endpoint,
        persistentKeepalive: PERSISTENT_KEEPALIVE,
      },
    ],
  });
}

/** Lowercase letters, digits and single dashes: what remains of `s` as part of a peer name. */
function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A readable default name, `<user>-<host>-<4 random>` (e.g. `ana-thinkpad-7f3a`), lowercased, at most 63
 * characters, matching `^[a-zA-Z0-9-]+$`. `random4` is four characters of [a-z0-9] from the caller.
 */
export function defaultPeerName(user: string | undefined, host: string | undefined, random4: string): string {
  const tail = slug(random4).slice(0, 8) || '0000';
  const parts = [slug(user ?? ''), slug((host ?? '').split('.')[0] ?? '')].filter((p) => p !== '');
  const head = parts
    .join('-')
    .slice(0, 63 - tail.length - 1)
    .replace(/-+$/, '');
  const name = head === '' ? `peer-${tail}` : `${head}-${tail}`;
  if (!PEER_NAME_RE.test(name)) throw new Error(`default peer name '${name}' is not valid`);
  return name;
}

/** wg-quick names the interface after the file: at most 15 of `[a-zA-Z0-9_=+.-]` before `.conf`. */
const WG_QUICK_IFACE = /^[a-zA-Z0-9_=+.-]{1,15}$/;

/** The interface name wg-quick would make from `file`, or undefined when wg-quick would refuse the name. */
export function wgQuickInterfaceOf(file: string): string | undefined {
  const base = file.slice(file.lastIndexOf('/') + 1);
  if (!base.endsWith('.conf')) return undefined;
  const iface = base.slice(0, -'.conf'.length);
  return WG_QUICK_IFACE.test(iface) ? iface : undefined;
}

/**
 * The default file of peer `name`: `<name>.conf`, shortened so that `wg-quick up` accepts it (its first 10
 * characters and its last 4, the random part of a default name), e.g. `ana-thinkp-7f3a.conf`.
 */
export function defaultConfigFile(name: string): string {
  if (name.length <= 15) return `${name}.conf`;
  return `${name.slice(0, 10).replace(/-+$/, '')}-${name.slice(-4)}.conf`;
}
