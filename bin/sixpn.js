#!/usr/bin/env node
// Entry point of the `sixpn` executable: runs the CLI compiled to dist/ by `npm run build` (tsc).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sixpn: dist/ is missing; run `npm run build` in the sixpn checkout first\n');
  process.exit(70);
}
await import(main.href);
