// A port that was free a moment ago on 127.0.0.1 for both UDP and TCP (for programs that need one given).

import dgram from 'node:dgram';
import net from 'node:net';

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
