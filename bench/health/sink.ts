// Benchmark helper, run inside one web instance's namespace (`ip netns exec sixpn-i-<id> node --import tsx
// bench/health/sink.ts PORT`): a TCP server on [::]:PORT that is both the app's check target and a traffic sink.
// A connection's first byte says what it wants: `u` — the client streams, the server counts until the client's
// end and answers the count; `d` — the server streams until the client closes; anything else (a check's or a
// connect-latency probe's bare connect) — nothing.
//
// stdin: `stop` closes the listener (the next check is refused), `start` listens again; each answers on stdout
// {"cmd","at","lastCheckAt"} with the wall-clock time it took effect and when the last check came in. `listening` is printed once at the start.

import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const PORT = Number(process.argv[2] ?? 8080);
const wall = () => performance.timeOrigin + performance.now();
const CHUNK = Buffer.alloc(64 * 1024);

/** When the last check (a connection from the host's fdaa::3) was accepted: the checks' phase. */
let lastCheckAt: number | undefined;

function serve(sock: Socket): void {
  if (sock.remoteAddress === 'fdaa::3') lastCheckAt = wall();
  sock.on('error', () => sock.destroy());
  sock.once('data', (first: Buffer) => {
    const mode = first[0];
    if (mode === 0x75 /* u */) {
      let n = first.length - 1;
      sock.on('data', (b: Buffer) => {
        n += b.length;
      });
      sock.once('end', () => sock.end(String(n)));
    } else if (mode === 0x64 /* d */) {
      const pump = () => {
        while (!sock.destroyed && sock.write(CHUNK));
      };
      sock.on('drain', pump);
      sock.on('close', () => sock.off('drain', pump));
      pump();
    }
  });
}

let server: Server | undefined;
function listen(): Promise<void> {
  const s = createServer(serve);
  server = s;
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen({ port: PORT, host: '::', ipv6Only: false }, () => resolve());
  });
}

await listen();
const say = (cmd: string) => process.stdout.write(`${JSON.stringify({ cmd, at: wall(), lastCheckAt })}\n`);
say('listening');
for await (const line of createInterface({ input: process.stdin })) {
  const cmd = line.trim();
  if (cmd === 'stop' && server) {
    // close() stops accepting at once (the listening socket is closed before it returns)
    server.close();
    server = undefined;
    say('stop');
  } else if (cmd === 'start' && !server) {
    await listen();
    say('start');
  }
}
server?.close();
