// `sixpn install` / `sixpn uninstall`: writes or removes a service's unit file and its 0600 environment file, and
// enables/starts (or stops/disables) it through systemctl when systemd runs this machine. The unit text is units.ts.

import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SixpnError } from '../core/errors.ts';
import type { Role, ServiceUnit } from './units.ts';

/** Where the files go and how systemd is reached; tests give temporary directories and a recording systemctl. */
export interface InstallTarget {
  /** `/etc/systemd/system` */
  unitDir: string;
  /** `/etc/sixpn` */
  configDir: string;
  /** Runs `systemctl ARGS`, or undefined when systemd does not run this machine (nothing is enabled). */
  systemctl: ((args: readonly string[]) => Promise<void>) | undefined;
}

/** Whether systemd is the init system here (sd_booted(3): /run/systemd/system exists). */
export const systemdRunning = (): boolean => existsSync('/run/systemd/system');

/** The config file a network role runs from, written by `sixpn agent join` / `sixpn gateway join`. */
export const roleConfigFile = (role: Role, configDir: string) => join(configDir, `${role}.toml`);

/** What a new environment file holds: comments, and for the server a fresh admin token. */
export function envTemplate(role: Role, adminToken: string | undefined): string {
  const lines = [
    `# Environment of sixpn-${role}.service: secrets only, one NAME=value a line. Keep this file 0600.`,
  ];
  if (role === 'server') {
    lines.push(
      '# The admin token (use it with `sixpn login`); the server never prints it when it is set here.',
      `SIXPN_ADMIN_TOKEN=${adminToken ?? ''}`,
      '# For --db postgres://USER@HOST/DB: the password goes here, never in the unit.',
      '#PGPASSWORD=',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The environment file exists and is 0600 afterwards; a new one gets `template`. Returns what was done. */
async function ensureEnvFile(path: string, template: () => string): Promise<string> {
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) === 0) return `kept ${path}`;
    await chmod(path, 0o600);
    return `kept ${path} (its mode was ${(st.mode & 0o777).toString(8)}: now 0600)`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await writeFile(path, template(), { mode: 0o600, flag: 'wx' });
  return `wrote ${path} (0600)`;
}

function rootError(e: unknown, what: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new SixpnError('permission_denied', `cannot ${what}: ${(e as Error).message}; run it as root`, {
      cause: e,
    });
  }
  return e;
}

/**
 * Installs `unit`: the config directory (0700), the environment file (kept when it exists), the unit file
 * (replaced), then `daemon-reload`, `enable` and `restart` when systemd runs. A network role needs its config
 * file first (`sixpn agent join`). Idempotent. Returns the lines to print.
 */
export async function installUnit(
  unit: ServiceUnit,
  t: InstallTarget,
  template: () => string,
): Promise<string[]> {
  if (unit.role !== 'server' && !existsSync(roleConfigFile(unit.role, t.configDir))) {
    throw new SixpnError(
      'failed_precondition',
      `${roleConfigFile(unit.role, t.configDir)} is missing: run \`sixpn ${unit.role} join URL TOKEN\` first, then install`,
    );
  }
  const out: string[] = [];
  const unitPath = join(t.unitDir, unit.name);
  try {
    await mkdir(t.configDir, { recursive: true, mode: 0o700 });
    out.push(await ensureEnvFile(unit.envFile, template));
    const before = await readIfExists(unitPath);
    if (before === unit.text) out.push(`${unitPath} unchanged`);
    else {
      await writeAtomic(unitPath, unit.text, 0o644);
      out.push(`wrote ${unitPath}`);
    }
  } catch (e) {
    throw rootError(e, `install ${unit.name}`);
  }
  if (!t.systemctl) {
    out.push(
      `systemd is not running on this machine: ${unit.name} is written but not enabled; run \`sixpn ${unit.role}\` another way here`,
    );
    return out;
  }
  await t.systemctl(['daemon-reload']);
  await t.systemctl(['enable', unit.name]);
  await t.systemctl(['restart', unit.name]);
  out.push(`enabled and started ${unit.name} (journalctl -u ${unit.name} shows its log)`);
  return out;
}

/**
 * Stops, disables and removes the unit of `role`; keeps its environment file and state (say so). Idempotent:
 * a unit that is not installed is reported, not an error.
 */
export async function uninstallUnit(role: Role, t: InstallTarget): Promise<string[]> {
  const name = `sixpn-${role}.service`;
  const unitPath = join(t.unitDir, name);
  if (!existsSync(unitPath)) return [`${name} is not installed (no ${unitPath})`];
  const out: string[] = [];
  if (t.systemctl) {
    await t.systemctl(['disable', '--now', name]);
    out.push(`stopped and disabled ${name}`);
  }
  try {
    await rm(unitPath);
  } catch (e) {
    throw rootError(e, `remove ${unitPath}`);
  }
  out.push(`removed ${unitPath}`);
  if (t.systemctl) await t.systemctl(['daemon-reload']);
  out.push(
    `kept ${join(t.configDir, `${role}.env`)} and /var/lib/sixpn/${role}${role === 'server' ? '' : ` (\`sixpn ${role} --teardown\` removes what it made on this host)`}`,
  );
  return out;
}
