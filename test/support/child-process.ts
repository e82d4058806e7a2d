// What the tests that start sixpn (or another program) as a child process share: the executable, a free
// port to give it, and an environment free of the caller's own sixpn settings.

import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** bin/sixpn.js of this checkout (it runs the compiled dist/: build first). */
export const BIN = fileURLToPath(new URL('../../bin/sixpn.js', import.meta.url));

/** A port that was free a moment ago on 127.0.0.1 for both UDP and TCP (for programs that need one given). */
export async function freePort(): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((r) => udp.bind(0, '127.0.0.1', () => r(udp.address().port)));
    const tcpFree = await new Promise<boolean>((r) => {
      const s = net.createServer();
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    if (tcpFree) return port;
  }
}

/** The environment without any SIXPN_* setting of whoever runs the tests (nor node:test's own), plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('SIXPN_') && k !== 'NODE_TEST_CONTEXT') env[k] = v;
  }
  return { ...env, ...extra };
}
