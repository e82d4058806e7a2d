// The CNI 1.0.0 wire shapes sixpn's plugin reads and writes, and its error codes
// (https://github.com/containernetworking/cni/blob/spec-v1.0.0/SPEC.md, sections 2 and 5). Pure: no I/O.

/** The spec versions this plugin speaks (results are 1.0.0-shaped: no `version` in `ips`). */
export const SUPPORTED_VERSIONS = ['1.0.0'] as const;

/** The well-known error codes of SPEC.md §5 "Error", and sixpn's own (100+, free for plugins). */
export const CNI_ERR = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** The agent refused: the host may not place instances of this org/app on itself. */
  permissionDenied: 100,
  /** `ADD` found an interface of `CNI_IFNAME` already in the container (SPEC.md §2 ADD: "MUST return with an error"). */
  interfaceExists: 101,
  /** `CHECK` found the attachment missing or different from `prevResult`. */
  checkFailed: 102,
  /** The agent failed in a way that is not the caller's input (its own error, an unexpected answer). */
  agentFailed: 103,
} as const;

export type CniErrorCode = (typeof CNI_ERR)[keyof typeof CNI_ERR];

/** SPEC.md §5 "Error": printed on stdout, exit code ≠ 0. */
export interface CniErrorResult {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface CniIp {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** SPEC.md §5 "Success" (the `prevResult` of a chain has this shape too). */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIp[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** SPEC.md §5 "Version". */
export interface CniVersionResult {
  cniVersion: string;
  supportedVersions: string[];
}

/** An expected failure of one invocation: becomes a {@link CniErrorResult}. */
export class CniError extends Error {
  readonly code: CniErrorCode;
  readonly details: string | undefined;

  constructor(code: CniErrorCode, msg: string, details?: string) {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }
}

/** The error result for `e` in the version the caller spoke (`cniVersion` of its config, else 1.0.0). */
export function errorResult(e: CniError, cniVersion: string | undefined): CniErrorResult {
  return {
    cniVersion: cniVersion ?? SUPPORTED_VERSIONS[0],
    code: e.code,
    msg: e.message,
    ...(e.details === undefined ? {} : { details: e.details }),
  };
}
