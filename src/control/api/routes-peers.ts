// Routes for WireGuard peers: created with a public key only; the private key never leaves the client.

import { z } from 'zod';
import { SixpnError } from '../../core/errors.ts';
import { Peer, PeerStatus } from '../../core/model.ts';
import { checkNetworkAccess, checkOrgAccess } from '../auth.ts';
import { orgResource } from './org-resource.ts';
import { ORG_USERS, PEER_USERS, type RouteSpec, route } from './route.ts';
import { OrgNameParam, PeerBody, PeerQuery } from './schemas.ts';

const PeerCreated = z.object({
  peer: Peer,
  gateway: z.object({
    name: z.string(),
    region: z.string(),
    peer_key: z.string(),
    peer_endpoint: z.string(),
  }),
  network: z.object({ name: z.string(), prefix: z.string(), dns: z.string() }),
});

const peers = orgResource('peers', 'name', Peer);

export const peerRoutes: RouteSpec[] = [
  peers.create({
    summary: 'Add a WireGuard peer (public key only) on the least-loaded gateway of a region',
    allow: PEER_USERS,
    body: PeerBody,
    response: PeerCreated,
    handle: async ({ principal, org, body, deps }) => {
      const networkName = body.network ?? principal.network ?? 'default';
      checkNetworkAccess(principal, networkName);
      const network = await deps.store.getNetwork(org, networkName);
      const peer = await deps.store.createPeer({ ...body, org, network: networkName });
      const gw = await deps.store.getHost(peer.gateway);
      if (gw.peer_key === null || gw.peer_endpoint === null) {
        await deps.store.deletePeer(org, peer.name);
        throw new SixpnError(
          'failed_precondition',
          `gateway '${gw.name}' in ${gw.region} has not registered its keys yet; start \`sixpn gateway --name ${gw.name}\` and retry`,
        );
      }
      return {
        peer,
        gateway: { name: gw.name, region: gw.region, peer_key: gw.peer_key, peer_endpoint: gw.peer_endpoint },
        network: { name: network.name, prefix: network.prefix, dns: network.dns },
      };
    },
  }),
  peers.list({
    summary: "List an organization's peers",
    query: PeerQuery,
    items: ({ org, query, deps }) => deps.store.listPeers({ org, ...query }),
  }),
  peers.show({
    summary: 'Show a peer',
    handle: ({ org, key, deps }) => deps.store.getPeer(org, key.toLowerCase()),
  }),
  peers.remove({
    summary: 'Remove a peer; its gateway drops it at once',
    allow: PEER_USERS,
    handle: async ({ principal, org, key, deps }) => {
      const peer = await deps.store.getPeer(org, key.toLowerCase());
      checkNetworkAccess(principal, peer.network);
      await deps.store.deletePeer(org, peer.name);
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/peers/:name/status',
    summary: "A peer's handshake and traffic as its gateway last reported them",
    tag: 'peers',
    allow: ORG_USERS,
    params: OrgNameParam,
    response: z.object({ ...PeerStatus.shape, gateway: z.string(), region: z.string() }),
    handle: async ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      const peer = await deps.store.getPeer(params.org, params.name.toLowerCase());
      const [status] = await deps.store.listPeerStatus(params.org, peer.name);
      const empty = {
        peer: peer.name,
        endpoint: null,
        last_handshake: null,
        rx_bytes: 0,
        tx_bytes: 0,
        installed_at: null,
        reported_at: null,
      };
      return { ...(status ?? empty), gateway: peer.gateway, region: peer.region };
    },
  }),
];
