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
  banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
  plugins: [
    {
      // Node's built-in modules taken with process.getBuiltinModule, not through their ES module facades: a facade reads
      // every export, lazy ones too, so `import … from 'node:util'` alone loads worker_threads, util's diff and ~15
      // other modules that an agent never uses (src/agent/README.md, "Memory"). The module is the prototype of an empty
      // object: esbuild's CommonJS interop reads the descriptor of each own property, which loads a lazy one as well,
      // and so each export is read only where the code uses it.
      name: 'builtins-without-facades',
      setup(b) {
        // node:fs/promises as dist/lib/fs-async.js, its functions on node:fs's callbacks (without ~11 more modules)
        b.onResolve({ filter: /^node:fs\/promises$/ }, () => ({ path: new URL('../lib/fs-async.js', dist).pathname }));
        b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'builtin' }));
        b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({
          contents: `module.exports = Object.create(process.getBuiltinModule(${JSON.stringify(a.path)}));`,
          loader: 'js',
        }));
      },
    },
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
