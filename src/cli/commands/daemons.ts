// The command groups of the long-running daemons (`sixpn agent`, `sixpn gateway`), apart from the other groups so
// that the daemon entry (../daemon-main.ts, bundled into one file by scripts/bundle.mjs) holds only their code.

import type { LazyGroup } from '../run.ts';

export const daemonGroups: readonly LazyGroup[] = [
  { names: ['agent'], load: async () => (await import('./agent.ts')).registerAgent },
  { names: ['gateway'], load: async () => (await import('./gateway.ts')).registerGateway },
];
