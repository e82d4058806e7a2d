// Bundles the daemons' entry (dist/cli/daemon-main.js, compiled by tsc) and everything it imports into one file,
// dist/cli/daemon.js, which bin/sixpn.js runs for `sixpn agent` and `sixpn gateway`. One module instead of ~240
// saves the resolving and loading that an idle daemon otherwise keeps paying for in memory (src/agent/README.md,
// "Memory"). Run by `npm run build` after tsc.
import { build } from 'esbuild';

const dist = new URL('../dist/cli/', import.meta.url);
await build({
  entryPoints: [new URL('daemon-main.js', dist).pathname],
  outfile: new URL('daemon.js', dist).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  logLevel: 'warning',
  // CommonJS dependencies (dns-packet: require('buffer')) call require(); in an ES module it must be made
  banner: { js: "import { createRequire as sixpnRequire } from 'node:module'; const require = sixpnRequire(import.meta.url);" },
  plugins: [
    {
      // as bin/sixpn.js does at run time: zod's locale index is empty (sixpn speaks zod's English, imported by itself)
      name: 'no-zod-locales',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
          a.importer.includes('/zod/v4/') ? { path: 'zod-locales', namespace: 'empty' } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '', loader: 'js' }));
      },
    },
  ],
});
