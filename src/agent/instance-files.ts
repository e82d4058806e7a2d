// What an instance gets from its host: /etc/hosts, /etc/resolv.conf, /etc/nsswitch.conf and its SIXPN_* env.
// Pure text rendering; the agent lays the files under /etc/netns/<ns>/ (lab) or into a root filesystem (inject).

import { type AddressPlan, formatIPv6, hostResolverAddress } from '../core/address.ts';
import type { Instance } from '../core/model.ts';

/** The name the instance's own 6PN address has in its /etc/hosts. */
export const LOCAL_6PN_NAME = 'sixpn-local-6pn';

export interface InstanceEnv {
  SIXPN_PRIVATE_IP: string;
  SIXPN_REGION: string;
  SIXPN_APP_NAME: string;
  SIXPN_INSTANCE_ID: string;
}

/** The env of an instance. `SIXPN_PRIVATE_IP` is empty when its app has no private networking. */
export function instanceEnv(i: Instance, appName: string): InstanceEnv {
  return {
    SIXPN_PRIVATE_IP: i.address ?? '',
    SIXPN_REGION: i.region,
    SIXPN_APP_NAME: appName,
    SIXPN_INSTANCE_ID: i.id,
  };
}

/** `KEY=value` lines (values are addresses, region codes, DNS labels and hex ids: nothing to quote). */
export function renderEnv(env: InstanceEnv): string {
  return `${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

export function renderHosts(address: string | null): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (address) lines.push(`${address}\t${LOCAL_6PN_NAME}`);
  return `${lines.join('\n')}\n`;
}

export function renderResolvConf(plan: AddressPlan): string {
  return `# written by sixpn agent: the host's .internal resolver\nnameserver ${formatIPv6(hostResolverAddress(plan))}\n`;
}

export const NSSWITCH_CONF = 'hosts: files dns\n';

/** The files of an instance's /etc, by file name. `nsswitch.conf` is meant to be written only when missing. */
export function etcFiles(i: Instance, plan: AddressPlan): { name: string; content: string }[] {
  return [
    { name: 'hosts', content: renderHosts(i.address) },
    { name: 'resolv.conf', content: renderResolvConf(plan) },
    { name: 'nsswitch.conf', content: NSSWITCH_CONF },
  ];
}
