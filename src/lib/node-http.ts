// node:http without its ESM facade: `import … from 'node:http'` builds the facade from every export, and reading
// the lazy `http.WebSocket` loads undici (fetch's engine), ~8 MB RSS that the agent never uses. The module
// itself is the same object an import gives.

export const nodeHttp = process.getBuiltinModule('node:http');
