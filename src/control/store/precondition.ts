// `failed_precondition` errors that say what is in the way and what to do.

import { SixpnError } from '../../core/errors.ts';

/** `web, api and 3 more`: a short list of names for messages. */
export function nameList(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function failedPrecondition(message: string, details?: Record<string, unknown>): SixpnError {
  return new SixpnError('failed_precondition', message, details ? { details } : {});
}

/** "`what` is still used by apps web, api; peers laptop: delete them first". */
export function inUse(what: string, users: Record<string, readonly string[]>): SixpnError | undefined {
  const parts = Object.entries(users)
    .filter(([, names]) => names.length > 0)
    .map(([kind, names]) => `${kind} ${nameList(names)}`);
  if (parts.length === 0) return undefined;
  return failedPrecondition(`${what} is still used by ${parts.join('; ')}: delete them first`, {
    used_by: Object.fromEntries(Object.entries(users).filter(([, n]) => n.length > 0)),
  });
}
