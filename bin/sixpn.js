#!/usr/bin/env node
// Entry point of the `sixpn` executable: runs the CLI compiled to dist/ by `npm run build` (tsc), with V8's on-disk
// compile cache (module.enableCompileCache) so later starts skip parsing and compiling the CLI and its dependencies,
// and without zod's locales (below). `sixpn agent` and `sixpn gateway` run the daemons' entry bundled into one file
// (dist/cli/daemon.js, scripts/bundle.mjs): an idle agent holds less memory than with the ~240 modules it imports.
// Not `import … from 'node:fs'`: its ES module facade reads every export, fs.promises too, which loads ~20 modules
// (FileHandle, readline, streams…) that the daemons do without (src/agent/README.md, "Memory").
const { existsSync } = process.getBuiltinModule('node:fs');
const { enableCompileCache, registerHooks } = process.getBuiltinModule('node:module');

const DAEMONS = ['agent', 'gateway'];
const daemon = new URL('../dist/cli/daemon.js', import.meta.url);
const main =
  DAEMONS.includes(process.argv[2] ?? '') && existsSync(daemon)
    ? daemon
    : new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sixpn: dist/ is missing; run `npm run build` in the sixpn checkout first\n');
  process.exit(70);
}
enableCompileCache();
// `sixpn … | head`: a reader that closed the pipe ends the output, as it does other Unix tools (Node ignores SIGPIPE,
// so the write fails with EPIPE instead). The daemons write their logs to the descriptor directly (src/lib/log-sink.ts).
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
// zod's entry points (`zod` and its `v4/core`) re-export all of its ~50 locales, a third of zod's loading time
// (~25 ms of every start on a 2-core machine). sixpn speaks zod's English only, which zod imports by itself
// (v4/locales/en.js), so zod's locale index resolves to an empty module: `z.locales` is empty, nothing else changes.
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === '../locales/index.js' && context.parentURL?.includes('/node_modules/zod/v4/'))
      return { url: 'data:text/javascript,', shortCircuit: true };
    return next(specifier, context);
  },
});
await import(main.href);
