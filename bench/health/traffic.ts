// Benchmark helper, run inside a client instance's namespace (`ip netns exec sixpn-i-<id> node --import tsx
// bench/health/traffic.ts PORT SECONDS CONNECTS LABEL=ADDR…`): against bench/health/sink.ts on each target, side by
// side — CONNECTS TCP connects (the targets interleaved, one at a time: connect() → established, in ms), then a
// SECONDS-long stream up (client → sink; bytes counted by the sink) and one down, target after target. Prints one
// JSON object: {LABEL: {connect: number[], upBps, downBps}}.

import { connect, type Socket } from 'node:net';

const [port, seconds, connects, ...targets] = process.argv.slice(2);
const PORT = Number(port);
const SECONDS = Number(seconds);
const CONNECTS = Number(connects);
const parsed = targets.map((t) => {
  const [label = '', addr = ''] = t.split('=');
  return { label, addr };
});

function open(addr: string): Promise<{ sock: Socket; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sock = connect({ host: addr, port: PORT, noDelay: true });
    sock.once('connect', () => resolve({ sock, ms: performance.now() - t0 }));
    sock.once('error', reject);
  });
}

const CHUNK = Buffer.alloc(64 * 1024);

/** Streams to the sink for SECONDS; the sink answers the bytes it got; bits per second. */
async function up(addr: string): Promise<number> {
  const { sock } = await open(addr);
  const t0 = performance.now();
  sock.write('u');
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (performance.now() - t0 < SECONDS * 1000) if (!sock.write(CHUNK)) return;
      sock.off('drain', pump);
      sock.end();
      resolve();
    };
    sock.on('drain', pump);
    pump();
  });
  let answer = '';
  sock.on('data', (b: Buffer) => {
    answer += b;
  });
  await new Promise((r) => sock.once('close', r));
  return (Number(answer) * 8) / ((performance.now() - t0) / 1000);
}

/** Reads what the sink streams for SECONDS; bits per second. */
async function down(addr: string): Promise<number> {
  const { sock } = await open(addr);
  let n = 0;
  sock.on('data', (b: Buffer) => {
    n += b.length;
  });
  sock.write('d');
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const bytes = n;
  const s = (performance.now() - t0) / 1000;
  sock.destroy();
  return (bytes * 8) / s;
}

const out: Record<string, { connect: number[]; upBps: number; downBps: number }> = {};
for (const t of parsed) out[t.label] = { connect: [], upBps: 0, downBps: 0 };
for (let i = 0; i < CONNECTS; i++) {
  for (const t of parsed) {
    const { sock, ms } = await open(t.addr);
    sock.destroy();
    out[t.label]?.connect.push(ms);
  }
}
for (const t of parsed) {
  const o = out[t.label];
  if (!o) continue;
  o.upBps = await up(t.addr);
  o.downBps = await down(t.addr);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
