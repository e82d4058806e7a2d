// One run of the `sixpn` CNI plugin: environment + stdin in, stdout + exit code out (SPEC.md §2), over three seams
// (the agent's socket, the namespace path, the container's link) so tests run it whole without root or an agent.

import { type AttachRequest, cniVersionOf, type Env, type Invocation, parseInvocation } from './request.ts';
import { type AgentInstance, addResult, checkAttachment, type ObservedLink } from './result.ts';
import { CNI_ERR, CniError, type CniVersionResult, errorResult, SUPPORTED_VERSIONS } from './spec.ts';

/** The local agent, as the plugin sees it (AGENT-SOCKET.md). Failures throw {@link AgentError}. */
export interface AgentSocket {
  /** POST /v1/instances: idempotent on `req.key`. */
  attach(req: AttachRequest): Promise<AgentInstance>;
  /** GET /v1/instances/by-key/{key}; undefined on 404. */
  find(key: string): Promise<AgentInstance | undefined>;
  /** DELETE /v1/instances/by-key/{key}?remove=true; succeeds when nothing has the key. */
  detach(key: string): Promise<void>;
}

/** Why a call to the agent failed: it was not reachable, or it answered with an error. */
export class AgentError extends Error {
  readonly status: number | undefined;
  readonly code: string;

  /** `status` undefined: no answer (`code` is the socket error, e.g. ECONNREFUSED, ENOENT, EACCES, timeout). */
  constructor(status: number | undefined, code: string, message: string) {
    super(message);
    this.name = 'AgentError';
    this.status = status;
    this.code = code;
  }
}

export interface PluginSeams {
  agent(socketPath: string): AgentSocket;
  /** True when `path` exists (a namespace file or bind mount). */
  pathExists(path: string): Promise<boolean>;
  /** The interface `ifname` inside the namespace at `netns`, undefined when there is none. */
  inspectLink(netns: string, ifname: string): Promise<ObservedLink | undefined>;
}

export interface PluginOutput {
  stdout: string;
  /** One human line for logs on failure (SPEC.md §5: stderr is for unstructured output). */
  stderr: string;
  exitCode: number;
}

/** Runs one invocation. Never throws: every failure becomes a spec error result on stdout and exit code 1. */
export async function runPlugin(env: Env, stdin: string, seams: PluginSeams): Promise<PluginOutput> {
  try {
    const out = await dispatch(parseInvocation(env, stdin), seams);
    return { stdout: out === undefined ? '' : `${JSON.stringify(out)}\n`, stderr: '', exitCode: 0 };
  } catch (e) {
    const err = toCniError(e);
    const result = errorResult(err, cniVersionOf(stdin));
    return {
      stdout: `${JSON.stringify(result)}\n`,
      stderr: `sixpn cni: ${env.CNI_COMMAND ?? '?'}: ${err.message}\n`,
      exitCode: 1,
    };
  }
}

async function dispatch(inv: Invocation, seams: PluginSeams): Promise<object | undefined> {
  switch (inv.command) {
    case 'VERSION':
      return {
        cniVersion: inv.cniVersion ?? SUPPORTED_VERSIONS[0],
        supportedVersions: [...SUPPORTED_VERSIONS],
      } satisfies CniVersionResult;
    case 'DEL':
      // Idempotent (SPEC.md §2 DEL): the agent answers 204 for a key it does not know, and the namespace may be gone.
      await seams.agent(inv.socket).detach(inv.key);
      return undefined;
    case 'ADD': {
      await requireNetns(inv.netns, seams);
      if ((await seams.inspectLink(inv.netns, inv.ifname)) !== undefined)
        throw new CniError(
          CNI_ERR.interfaceExists,
          `an interface ${inv.ifname} already exists in CNI_NETNS ${inv.netns}: choose another CNI_IFNAME`,
        );
      const inst = await seams.agent(inv.socket).attach(inv.attach);
      const link = await seams.inspectLink(inv.netns, inv.ifname);
      if (link === undefined)
        throw new CniError(
          CNI_ERR.agentFailed,
          `the agent answered for instance ${inst.id} but ${inv.ifname} is not in CNI_NETNS ${inv.netns}`,
        );
      return addResult(inv, inst, link, inv.prevResult);
    }
    case 'CHECK': {
      await requireNetns(inv.netns, seams);
      const inst = await seams.agent(inv.socket).find(inv.key);
      checkAttachment(inv, inv.prevResult, inst, await seams.inspectLink(inv.netns, inv.ifname));
      return undefined;
    }
  }
}

async function requireNetns(netns: string, seams: PluginSeams): Promise<void> {
  if (!(await seams.pathExists(netns)))
    throw new CniError(
      CNI_ERR.unknownContainer,
      `CNI_NETNS ${netns} does not exist: the container's network namespace is gone or the path is wrong`,
    );
}

/** Every failure as a spec error: CniError as is, the agent's by {@link cniErrorOfAgent}, anything else as I/O. */
export function toCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  if (e instanceof AgentError) return cniErrorOfAgent(e);
  return new CniError(CNI_ERR.ioFailure, `I/O failure: ${(e as Error)?.message ?? String(e)}`);
}

/** The one table from the agent's failures to CNI error codes. */
export function cniErrorOfAgent(e: AgentError): CniError {
  if (e.status === undefined) {
    if (e.code === 'EACCES' || e.code === 'EPERM')
      return new CniError(CNI_ERR.permissionDenied, `${e.message}: the plugin must run as root`);
    return new CniError(
      CNI_ERR.tryAgainLater,
      `the sixpn agent is not answering (${e.message}): start it (sixpn agent), or point agentSocket / SIXPN_AGENT_SOCKET at its socket`,
    );
  }
  const detail = `the agent answered ${e.status} ${e.code}`;
  if (e.status === 400 || e.status === 404 || e.status === 409)
    return new CniError(CNI_ERR.invalidConfig, e.message, detail);
  if (e.status === 401 || e.status === 403) return new CniError(CNI_ERR.permissionDenied, e.message, detail);
  if (e.status === 503) return new CniError(CNI_ERR.tryAgainLater, e.message, detail);
  return new CniError(CNI_ERR.agentFailed, e.message, detail);
}
