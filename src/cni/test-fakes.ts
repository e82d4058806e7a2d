// In-memory seams for plugin tests: an agent that keeps instances by key and "plumbs" the interface into a fake
// namespace table, the way the real agent does over its socket. Tests only.

import { AgentError, type AgentSocket, type PluginSeams } from './plugin.ts';
import type { AttachRequest } from './request.ts';
import type { AgentInstance, ObservedLink } from './result.ts';

export class FakeHost implements PluginSeams {
  /** Existing namespace paths. */
  readonly namespaces = new Set<string>();
  /** `netns ifname` → link. */
  readonly links = new Map<string, ObservedLink>();
  /** key → instance. */
  readonly instances = new Map<string, AgentInstance & { netns: string; ifname: string }>();
  readonly calls: string[] = [];
  /** Set to make every agent call fail this way. */
  failure: AgentError | undefined;
  private next = 2;

  agent(socketPath: string): AgentSocket {
    const call = (what: string) => {
      this.calls.push(`${socketPath} ${what}`);
      if (this.failure) throw this.failure;
    };
    return {
      attach: async (req: AttachRequest) => {
        call(`attach ${req.key}`);
        if (req.app === 'nope') throw new AgentError(404, 'not_found', `app 'nope' not found`);
        const have = this.instances.get(req.key);
        if (have) return have;
        const n = this.next++;
        const inst = {
          id: `0a7b00${n.toString(16).padStart(2, '0')}`,
          address: `fdaa:0:1:a7b::${n.toString(16)}`,
          prefix_len: 112,
          gateway: 'fe80::1',
          dns: 'fdaa::3',
          netns: req.netns,
          ifname: req.ifname,
        };
        this.instances.set(req.key, inst);
        this.links.set(`${req.netns} ${req.ifname}`, {
          mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
          addresses: [`${inst.address}/112`, 'fe80::2/64'],
        });
        return inst;
      },
      find: async (key: string) => {
        call(`find ${key}`);
        return this.instances.get(key);
      },
      detach: async (key: string) => {
        call(`detach ${key}`);
        const inst = this.instances.get(key);
        if (inst) this.links.delete(`${inst.netns} ${inst.ifname}`);
        this.instances.delete(key);
      },
    };
  }

  async pathExists(path: string): Promise<boolean> {
    return this.namespaces.has(path);
  }

  async inspectLink(netns: string, ifname: string): Promise<ObservedLink | undefined> {
    return this.links.get(`${netns} ${ifname}`);
  }
}
