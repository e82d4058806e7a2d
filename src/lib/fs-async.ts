// The functions of node:fs/promises that the daemons use, on node:fs's callbacks. The daemons' bundle
// (scripts/bundle.mjs) takes this module for `node:fs/promises`, which would load ~11 more of Node's built-in modules
// (FileHandle, readline, fs watchers, REPL history…) and hold ~0.7 MiB more in an idle agent (src/agent/README.md,
// "Memory"). Same results and errors as node:fs/promises for
// paths (no FileHandle).

import * as fs from 'node:fs';
import { promisify } from 'node:util';

export const access = promisify(fs.access);
export const appendFile = promisify(fs.appendFile);
export const chmod = promisify(fs.chmod);
export const mkdir = promisify(fs.mkdir);
export const mkdtemp = promisify(fs.mkdtemp);
export const readFile = promisify(fs.readFile);
export const readdir = promisify(fs.readdir);
export const rename = promisify(fs.rename);
export const rm = promisify(fs.rm);
export const stat = promisify(fs.stat);
export const writeFile = promisify(fs.writeFile);
