// `sixpn lab console`: the lab's control plane listens inside the lab's namespaces (and on a root-only unix
// socket); this forwards a loopback TCP port of this machine to that socket, so a browser here opens the console
// at http://127.0.0.1:PORT/ (loopback is a secure context: WebCrypto works, no certificate to accept).

import { connect, createServer, type Server } from 'node:net';

export interface ConsoleForward {
  url: string;
  close(): Promise<void>;
}

/** Forwards `127.0.0.1:port` (0: any free port) to the unix socket at `socket` until closed. */
export async function forwardConsole(socket: string, port: number): Promise<ConsoleForward> {
  const conns = new Set<ReturnType<typeof connect>>();
  const server: Server = createServer((down) => {
    const up = connect(socket);
    conns.add(up).add(down);
    const end = () => {
      up.destroy();
      down.destroy();
      conns.delete(up);
      conns.delete(down);
    };
    up.on('error', end).on('close', end);
    down.on('error', end).on('close', end);
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => resolve());
      }),
  };
}
