// Routes for WireGuard peers: created with a public key only; the private key never leaves the client.

import { z } from 'zod';
import { SixpnError } from '../../core/errors.ts';
import { Peer, PeerStatus } from '../../core/model.ts';
import { checkNetworkAccess, checkOrgAccess } from '../auth.ts';
import { ORG_USERS, PEER_USERS, type RouteSpec, route } from './route.ts';
import { OrgNameParam, OrgParam, PeerBody, PeerQuery } from './schemas.ts';

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

export const peerRoutes: RouteSpec[] = [
  route({
    method: 'post',
    path: '/v1/orgs/:org/peers',
    summary: 'Add a WireGuard peer (public key only) on the least-loaded gateway of a region',
    tag: 'peers',
    allow: PEER_USERS,
    params: OrgParam,
    body: PeerBody,
    response: PeerCreated,
    status: 201,
    handle: async ({ principal, params, body, deps }) => {
      checkOrgAccess(principal, params.org);
      const networkName = body.network ?? principal.network ?? 'default';
      checkNetworkAccess(principal, networkName);
      const network = await deps.store.getNetwork(params.org, networkName);
      const peer = await deps.store.createPeer({ ...body, org: params.org, network: networkName });
      const gw = await deps.store.getHost(peer.gateway);
      if (gw.peer_key === null || gw.peer_endpoint === null) {
        await deps.store.deletePeer(params.org, peer.name);
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
  route({
    method: 'get',
    path: '/v1/orgs/:org/peers',
    summary: "List an organization's peers",
    tag: 'peers',
    allow: ORG_USERS,
    params: OrgParam,
    query: PeerQuery,
    response: z.object({ items: z.array(Peer) }),
    handle: async ({ principal, params, query, deps }) => {
      checkOrgAccess(principal, params.org);
      await deps.store.getOrg(params.org);
      return { items: await deps.store.listPeers({ org: params.org, ...query }) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/peers/:name',
    summary: 'Show a peer',
    tag: 'peers',
    allow: ORG_USERS,
    params: OrgNameParam,
    response: Peer,
    handle: ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      return deps.store.getPeer(params.org, params.name.toLowerCase());
    },
  }),
  route({
    method: 'delete',
    path: '/v1/orgs/:org/peers/:name',
    summary: 'Remove a peer; its gateway drops it at once',
    tag: 'peers',
    allow: PEER_USERS,
    params: OrgNameParam,
    status: 204,
    handle: async ({ principal, params, deps }) => {
      checkOrgAccess(principal, params.org);
      const peer = await deps.store.getPeer(params.org, params.name.toLowerCase());
      checkNetworkAccess(principal, peer.network);
      await deps.store.deletePeer(params.org, peer.name);
    },
  }),
  route({
    method: 'get',
    path: '/v1/orgs/:org/peers/:name/status',
    summary: "A peer's handshake and traffic as its gateway last reported them",
    tag: 'peers',
    allow: ORG_USERS,
    params: OrgNameParam,
    response: PeerStatus.extend({ gateway: z.string(), region: z.string() }),
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
