// End-to-end usage accounting: known TCP volumes between the lab's instances on one host, across two hosts of a
// region and across regions; the API's totals match what the instances' own links carried (IPv6 bytes: the
// link's bytes minus 14 per Ethernet frame) within 1%. Then an agent SIGKILLed and the control plane down in the
// middle of a transfer: the totals still match, so no interval was lost or counted twice. A peer on the ord gateway
// (wg-quick in the laptop namespace) sends to db@ord2: its per-peer totals match the gateway's peer interface (inner
// IPv6 bytes as the gateway forwards them, no encapsulation) within 1%. The agents serve /metrics on their loopback; db's counter moves.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { laptopEnv } from '../../src/lab/laptop.ts';
import { isAlive } from '../../src/lab/processes.ts';
import { restartAgent, restartControl } from '../../src/lab/restart.ts';
import { readLabState } from '../../src/lab/state.ts';
import { cannotRun, eventually, inNs, NsProcess } from './support.ts';
import { labCli, wgQuick } from './wireguard-support.ts';
import { withLab } from './with-lab.ts';

const skip = cannotRun();
const PORT = 9100;
const MiB = 1024 * 1024;
const METRICS = '127.0.0.1:9464';

/** A TCP sink: prints `got N` when a connection ends. */
const SINK = `
const net = require('node:net');
net.createServer((s) => { let n = 0; s.on('data', (b) => { n += b.length; }); s.on('end', () => { console.log('got ' + n); s.end(); }); })
  .listen(${PORT}, process.argv[1], () => console.log('listening'));`;
/** Sends argv[3] bytes to [argv[1]]:argv[2] in 64 KiB writes (paced by argv[4] ms between writes), prints `sent`. */
const SEND = `
const net = require('node:net');
const [host, port, total, pace] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) }, async () => {
  const chunk = Buffer.alloc(65536, 7); let left = Number(total);
  while (left > 0) { const b = chunk.subarray(0, Math.min(left, chunk.length)); left -= b.length;
    if (!s.write(b)) await new Promise((r) => s.once('drain', r));
    if (Number(pace) > 0) await new Promise((r) => setTimeout(r, Number(pace))); }
  s.end(); });
s.on('close', () => console.log('sent'));`;

/** IPv6 bytes an instance's eth0 sent and received so far: link bytes minus the Ethernet header of each frame. */
async function linkBytes(ns: string): Promise<{ tx: number; rx: number }> {
  const [l] = JSON.parse(await inNs(ns, 'ip', ['-j', '-s', 'link', 'show', 'eth0'])) as {
    stats64: { tx: { bytes: number; packets: number }; rx: { bytes: number; packets: number } };
  }[];
  const s = l!.stats64;
  return { tx: s.tx.bytes - 14 * s.tx.packets, rx: s.rx.bytes - 14 * s.rx.packets };
}

/** IPv6 bytes a WireGuard interface sent and received (no link header: its statistics are the inner packets). */
async function wgBytes(ns: string, iface: string): Promise<{ tx: number; rx: number; mtu: number }> {
  const [l] = JSON.parse(await inNs(ns, 'ip', ['-j', '-s', 'link', 'show', iface])) as {
    mtu: number;
    stats64: { tx: { bytes: number }; rx: { bytes: number } };
  }[];
  return { tx: l!.stats64.tx.bytes, rx: l!.stats64.rx.bytes, mtu: l!.mtu };
}

/** TCP segments `ns` has sent again so far (`Tcp: RetransSegs` of its /proc/net/snmp). */
async function tcpResent(ns: string): Promise<number> {
  const tcp = (await inNs(ns, 'cat', ['/proc/net/snmp'])).split('\n').filter((l) => l.startsWith('Tcp:'));
  const [names, values] = tcp.map((l) => l.split(/\s+/));
  const at = names?.indexOf('RetransSegs') ?? -1;
  const n = Number(values?.[at]);
  if (at < 0 || !Number.isFinite(n)) throw new Error(`no Tcp RetransSegs in ${ns}'s /proc/net/snmp`);
  return n;
}

describe('usage accounting, end to end', { skip, timeout: 360_000 }, () => {
  let sink: NsProcess | undefined;
  /** The laptop's wg-quick file, once up. */
  let peerFile: string | undefined;
  const lab = withLab({
    letter: 'u',
    regions: [
      { code: 'ord', hosts: 2 },
      { code: 'nrt', hosts: 1 },
    ],
    gateways: ['ord'],
    env: { SIXPN_USAGE_INTERVAL: '2s', SIXPN_METRICS_LISTEN: METRICS },
    setUp: async (l) => {
      const db = l.inst('db', 'ord2');
      sink = new NsProcess(db.ns, SINK, [db.address]);
      assert.ok(await sink.waitFor(/listening/, 10_000), 'the sink listens');
      // A peer of acme on ord-gw1, up in the lab's laptop namespace.
      const file = join(l.dir, `${l.iface('p')}.conf`);
      const cli = labCli(l.plan, l.name, l.dir);
      const made = await cli(['wireguard', 'create', 'acme', 'ord', 'laptop', file], l.state.adminToken);
      assert.equal(made.code, 0, made.stderr);
      await wgQuick('up', l.plan.laptop.ns, file, laptopEnv(l.plan));
      peerFile = file;
    },
    tearDown: async (l) => {
      await sink?.stop();
      if (peerFile)
        await wgQuick('down', l.plan.laptop.ns, peerFile, laptopEnv(l.plan)).catch(() => undefined);
    },
  });
  const { inst, check, admin } = lab;

  /** tx and rx of acme per scope, all kept minutes. */
  const byScope = async () => {
    const u = await admin().usage('acme', { from: 'now-1h', step: '1m', by: 'scope' });
    const out: Record<string, { tx: number; rx: number }> = {};
    for (const s of u.series) out[s.key] = { tx: s.total.tx_bytes, rx: s.total.rx_bytes };
    return out;
  };

  /**
   * Sends `bytes` from `from` to db@ord2 (running `during` meanwhile), then waits until the API's `scope` totals
   * grew by what the two instances' links carried: every packet either sent (data and ACKs) is tx of that scope.
   */
  async function transfer(
    t: TestContext,
    from: { ns: string; host: string },
    scope: string,
    bytes: number,
    o: { paceMs?: number; during?: () => Promise<void> } = {},
  ) {
    const db = inst('db', 'ord2');
    await sleep(3_000); // let the last interval's reports land
    const api0 = (await byScope())[scope] ?? { tx: 0, rx: 0 };
    const [a0, b0] = [await linkBytes(from.ns), await linkBytes(db.ns)];
    const got = sink!.lines.length;
    const sender = new NsProcess(from.ns, SEND, [
      db.address,
      String(PORT),
      String(bytes),
      String(o.paceMs ?? 0),
    ]);
    try {
      await o.during?.();
      assert.ok(await sender.waitFor(/sent/, 120_000), 'the sender finished');
    } finally {
      await sender.stop();
    }
    assert.ok(await eventually(async () => sink!.lines.length > got, 10_000), 'the sink saw the end');
    assert.equal(sink!.lines.at(-1), `got ${bytes}`);
    const [a1, b1] = [await linkBytes(from.ns), await linkBytes(db.ns)];
    const link = a1.tx - a0.tx + (b1.tx - b0.tx);
    let api = 0;
    const matched = await eventually(
      async () => {
        const now = (await byScope())[scope] ?? { tx: 0, rx: 0 };
        api = now.tx - api0.tx;
        return Math.abs(api - link) <= link * 0.01;
      },
      30_000,
      500,
    );
    t.diagnostic(
      `${scope}: payload ${bytes} B, links ${link} B, API ${api} B (${((api / link - 1) * 100).toFixed(3)}%)`,
    );
    assert.ok(matched, `API ${api} B vs links ${link} B for ${scope}: more than 1% apart`);
    assert.ok(api >= bytes, 'at least the payload');
  }

  check('one host: web@ord2 → db@ord2 counts as scope host', async (t) => {
    await transfer(t, inst('web', 'ord2'), 'host', 8 * MiB);
  });

  check('agent /metrics: sixpn_private_bytes_total of db moves with the traffic it receives', async (t) => {
    const ns = lab.plan.hosts.find((h) => h.name === 'ord2')!.ns;
    /** db's received bytes of scope host on ord2, as the agent's loopback listener serves them. */
    const dbRx = async () => {
      const text = await inNs(ns, 'curl', ['-sf', `http://${METRICS}/metrics`]);
      const line = text
        .split('\n')
        .find((l) => /^sixpn_private_bytes_total\{.*app="db",scope="host",direction="rx"\} /.test(l));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const before = await dbRx();
    await transfer(t, inst('web', 'ord2'), 'host', 4 * MiB);
    let grew = 0;
    const moved = await eventually(
      async () => {
        grew = (await dbRx()) - before;
        return grew >= 4 * MiB;
      },
      10_000,
      500,
    );
    t.diagnostic(`metrics: db rx (scope host) grew by ${grew} B for a 4 MiB payload`);
    assert.ok(moved, `the counter grew by ${grew} B, less than the 4 MiB payload`);
    assert.ok(grew < 4.4 * MiB, `the counter grew by ${grew} B, more than payload and headers`);
  });

  check('two hosts of a region: web@ord1 → db@ord2 counts as scope region', async (t) => {
    await transfer(t, inst('web', 'ord1'), 'region', 8 * MiB);
  });

  check('two regions: web@nrt1 → db@ord2 counts as interregion', async (t) => {
    await transfer(t, inst('web', 'nrt1'), 'interregion', 4 * MiB);
  });

  check(
    "from a peer: laptop → db@ord2 through ord-gw1 counts per peer, as the gateway's peer interface carried",
    async (t) => {
      const db = inst('db', 'ord2');
      const ns = lab.plan.laptop.ns;
      const iface = lab.iface('p');
      const bytes = 4 * MiB;
      /** The peer's totals, all kept minutes. */
      const byPeer = async () => {
        const u = await admin().usage('acme', { from: 'now-1h', step: '1m', by: 'peer' });
        const s = u.series.find((x) => x.key === 'laptop');
        return { tx: s?.total.tx_bytes ?? 0, rx: s?.total.rx_bytes ?? 0 };
      };
      // The gateway's peer interface: its rx is what the peer sent, decrypted, as the gateway's kernel forwards it.
      const gw = lab.plan.gateways[0]!;
      const gwSide = async () => {
        const b = await wgBytes(gw.ns, gw.peerInterface!);
        return { tx: b.rx, rx: b.tx };
      };
      await sleep(3_000);
      const [api0, wg0, gw0, resent0] = [
        await byPeer(),
        await wgBytes(ns, iface),
        await gwSide(),
        await tcpResent(ns),
      ];
      const scope0 = (await byScope()).region ?? { tx: 0, rx: 0 };
      const got = sink!.lines.length;
      const sender = new NsProcess(ns, SEND, [db.address, String(PORT), String(bytes), '0']);
      try {
        assert.ok(await sender.waitFor(/sent/, 120_000), 'the sender finished');
      } finally {
        await sender.stop();
      }
      assert.ok(await eventually(async () => sink!.lines.length > got, 10_000), 'the sink saw the end');
      assert.equal(sink!.lines.at(-1), `got ${bytes}`);
      const [wg1, gw1, resent1] = [await wgBytes(ns, iface), await gwSide(), await tcpResent(ns)];
      const laptop = { tx: wg1.tx - wg0.tx, rx: wg1.rx - wg0.rx };
      // Segments sent again: the first copy may have been lost before the gateway (on a loaded machine, a full
      // socket buffer of wireguard-go's), so the laptop's interface counted it and the gateway did not.
      const resent = resent1 - resent0;
      const link = { tx: gw1.tx - gw0.tx, rx: gw1.rx - gw0.rx };
      let api = { tx: 0, rx: 0 };
      const near = (a: number, b: number, pct: number) => Math.abs(a - b) <= (b * pct) / 100;
      const matched = await eventually(
        async () => {
          const now = await byPeer();
          api = { tx: now.tx - api0.tx, rx: now.rx - api0.rx };
          return near(api.tx, link.tx, 1) && near(api.rx, link.rx, 1);
        },
        30_000,
        500,
      );
      const pct = (a: number, b: number) => `${((a / b - 1) * 100).toFixed(3)}%`;
      t.diagnostic(
        `peer: payload ${bytes} B; gateway's peer interface tx ${link.tx} B rx ${link.rx} B; ` +
          `API tx ${api.tx} B (${pct(api.tx, link.tx)}) rx ${api.rx} B (${pct(api.rx, link.rx)}); ` +
          `laptop's wg interface tx ${laptop.tx} B (API ${pct(api.tx, laptop.tx)}) rx ${laptop.rx} B (API ${pct(api.rx, laptop.rx)}); ` +
          `TCP segments the laptop sent again: ${resent}`,
      );
      assert.ok(
        matched,
        `API ${JSON.stringify(api)} vs the gateway's peer interface ${JSON.stringify(link)}: >1% apart`,
      );
      // The laptop's own interface saw the same bytes of payload in other packets (its GSO segments; the gateway's
      // wireguard-go coalesces them again, GRO): only the number of headers differs, a few per cent at most, less
      // the copies of segments it had to send again that never reached the gateway (at most one packet each).
      assert.ok(api.tx <= laptop.tx * 1.05, 'no more than the laptop sent');
      assert.ok(
        api.tx >= (laptop.tx - resent * wg1.mtu) * 0.95,
        `about what the laptop sent, less what it sent again (${resent} segments)`,
      );
      assert.ok(api.tx >= bytes, 'at least the payload');
      // The gateway is in ord like db's host: scope region (the peer's tx, and db's rx counted by its agent).
      const scope1 = (await byScope()).region ?? { tx: 0, rx: 0 };
      assert.ok(scope1.tx - scope0.tx >= api.tx, "the peer's bytes are in scope region");
      const cli = await labCli(
        lab.plan,
        lab.name,
        lab.dir,
      )(['usage', '--org', 'acme', '--from', 'now-1h', '--by', 'peer'], lab.state.adminToken);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /laptop/, `sixpn usage --by peer lists the peer:\n${cli.stdout}`);
      t.diagnostic(`sixpn usage --by peer:\n${cli.stdout}`);
    },
  );

  check('agent SIGKILLed mid-transfer: nothing lost, nothing counted twice', async (t) => {
    await transfer(t, inst('web', 'ord1'), 'region', 6 * MiB, {
      paceMs: 60,
      during: async () => {
        await sleep(1_500);
        await restartAgent('ord1', { kill: true, name: lab.name });
        await restartAgent('ord2', { kill: true, name: lab.name });
      },
    });
  });

  check('control plane down mid-transfer: reports wait on disk and are applied once', async (t) => {
    await transfer(t, inst('web', 'ord2'), 'host', 6 * MiB, {
      paceMs: 60,
      during: async () => {
        await sleep(1_000);
        const rec = readLabState(lab.plan.files.state)?.processes.control;
        assert.ok(rec && isAlive(rec));
        process.kill(rec.pid, 'SIGKILL');
        assert.ok(await eventually(async () => !isAlive(rec), 5_000, 10));
        await sleep(6_000); // three intervals spooled
        await restartControl({ name: lab.name });
      },
    });
  });
});
