#!/usr/bin/env node
// Entry point of the `sixpn` executable: runs the CLI compiled to dist/ by `npm run build` (tsc), with V8's on-disk
// compile cache (module.enableCompileCache) so later starts skip parsing and compiling the CLI and its dependencies.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sixpn: dist/ is missing; run `npm run build` in the sixpn checkout first\n');
  process.exit(70);
}
enableCompileCache();
await import(main.href);
