// A Podman of the tests' own (Debian's podman 4.3, CNI backend): its storage, run root, temp dir, network configs
// and plugin dir all under one temporary directory, settings for this machine (runc, cgroupfs, low ulimits: see
// shared STACK.md) in a containers.conf that only these tests use, and a busybox image built offline. Podman sees
// only our CNI configurations, so it never touches the machine's own network; libcni's cache dir
// (/var/lib/cni), when these tests made it, goes too. Test set-up only.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { installPlugin } from '../../src/cni/install.ts';

const exec = promisify(execFile);

/** The image every test container runs: busybox-static as `/bin/*`, `/www` for httpd. */
export const IMAGE = 'localhost/sixpn-test-busybox:1';
/** libcni's result cache (Podman 4.3 offers no setting for it): removed after when the tests made it. */
const CNI_CACHE = '/var/lib/cni';
const APPLETS = [
  'sh',
  'httpd',
  'wget',
  'nslookup',
  'cat',
  'echo',
  'ip',
  'sleep',
  'ls',
  'hostname',
  'ping',
  'nc',
];

export interface Podman {
  readonly dir: string;
  /** `podman ARGS` with this set-up; rejects with stderr on a non-zero exit. */
  run(args: readonly string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  /** Writes `<name>.conflist` (a list of one sixpn plugin with `plugin`'s keys) into the network config dir. */
  network(name: string, plugin: Record<string, unknown>): Promise<void>;
  /** Stops and removes every container, then removes the directory (storage included). */
  close(): Promise<void>;
}

/** Makes the directory, the containers.conf, the plugin (sixpn cni install) and the image (podman import). */
export async function startPodman(): Promise<Podman> {
  const dir = await mkdtemp(join(tmpdir(), 'sixpn-podman-'));
  const cacheExisted = existsSync(CNI_CACHE);
  await Promise.all(
    ['net.d', 'cni-bin', 'tmp', 'rootfs/bin', 'rootfs/www', 'rootfs/tmp'].map((d) =>
      mkdir(join(dir, d), { recursive: true }),
    ),
  );
  const conf = join(dir, 'containers.conf');
  await writeFile(conf, containersConf(dir));
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const global = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs'];
  const run = async (args: readonly string[], timeoutMs = 60_000) => {
    try {
      return await exec('podman', [...global, ...args], { env, timeout: timeoutMs, maxBuffer: 16 << 20 });
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new Error(`podman ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
    }
  };
  const podman: Podman = {
    dir,
    run,
    async network(name, plugin) {
      const list = { cniVersion: '1.0.0', name, plugins: [{ type: 'sixpn', ...plugin }] };
      await writeFile(join(dir, 'net.d', `${name}.conflist`), `${JSON.stringify(list, null, 2)}\n`);
    },
    async close() {
      await run(['rm', '--all', '--force', '--time', '0']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      if (!cacheExisted)
        for (const d of [join(CNI_CACHE, 'results'), CNI_CACHE]) await rmdir(d).catch(() => undefined);
    },
  };
  try {
    await installPlugin(join(dir, 'cni-bin'));
    await buildImage(dir, run);
  } catch (e) {
    await podman.close();
    throw e;
  }
  return podman;
}

function containersConf(dir: string): string {
  return `# sixpn tests only: this machine needs runc, cgroupfs and ulimits no higher than its own.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${join(dir, 'events.log')}"
tmp_dir = "${join(dir, 'tmp')}"

[network]
network_backend = "cni"
cni_plugin_dirs = ["${join(dir, 'cni-bin')}"]
network_config_dir = "${join(dir, 'net.d')}"
`;
}

/** busybox-static plus applet links, tarred and `podman import`ed: no registry needed. */
async function buildImage(dir: string, run: Podman['run']): Promise<void> {
  const root = join(dir, 'rootfs');
  await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
  await chmod(join(root, 'bin', 'busybox'), 0o755);
  await Promise.all(APPLETS.map((a) => symlink('busybox', join(root, 'bin', a))));
  await writeFile(join(root, 'www', 'index.html'), 'sixpn podman test\n');
  await exec('tar', ['-C', root, '-cf', join(dir, 'rootfs.tar'), '.']);
  await run(['import', '--change', 'CMD ["/bin/sh"]', join(dir, 'rootfs.tar'), IMAGE]);
}
