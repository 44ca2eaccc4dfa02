// Serves a generated Node module: runs INSIDE the sandbox, as the service itself.
// `node -e SOURCE ROOT MODULE PORT SCHEMA_OUT`. Every http server the module starts is moved
// to 127.0.0.1:PORT (listen() is wrapped before the module loads); a module that only exports
// its app or server is started here. Before serving, the OpenAPI schema goes to SCHEMA_OUT as
// {"source", "schema"}: built from an Express app's routes, else `GET /` alone.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const [root, modulePath, port, schemaOut] = process.argv.slice(1);
process.env.PORT = port;
process.env.HOST = '127.0.0.1';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const originalListen = http.Server.prototype.listen;
let listening = false;
http.Server.prototype.listen = function listenOnOurPort(...args) {
  listening = true;
  const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
  return originalListen.call(this, Number(port), '127.0.0.1', callback);
};

function expressPaths(app) {
  const router = app && (app._router || app.router);
  const stack = (router && router.stack) || [];
  const paths = {};
  for (const layer of stack) {
    const route = layer && layer.route;
    if (!route || typeof route.path !== 'string') continue;
    const names = [];
    const openapi = route.path.replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return `{${name}}`;
    });
    for (const method of Object.keys(route.methods || {})) {
      if (!METHODS.includes(method)) continue;
      paths[openapi] = paths[openapi] || {};
      paths[openapi][method] = {
        parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        responses: { default: { description: 'any answer' } },
      };
    }
  }
  return paths;
}

function document(paths) {
  return { openapi: '3.0.3', info: { title: 'generated service', version: '0' }, paths };
}

(async () => {
  const loaded = await import(pathToFileURL(path.resolve(root, modulePath)).href);
  const base = loaded.default || {};
  const candidates = [loaded.app, loaded.server, base.app, base.server, base, loaded];
  const target = candidates.find((c) => c && typeof c.listen === 'function');
  let paths = {};
  for (const candidate of candidates) {
    paths = expressPaths(candidate);
    if (Object.keys(paths).length) break;
  }
  const routed = Object.keys(paths).length > 0;
  const written = {
    source: routed ? "generated from the Express app's routes" : 'none declared: GET / only',
    schema: document(routed ? paths : { '/': { get: { responses: { default: { description: 'any answer' } } } } }),
  };
  fs.writeFileSync(schemaOut, JSON.stringify(written));
  if (!listening) {
    if (!target) {
      console.error(`${modulePath} exports no app or server with listen()`);
      process.exit(3);
    }
    target.listen(Number(port), '127.0.0.1');
  }
})().catch((error) => {
  console.error((error && error.stack) || String(error));
  process.exit(1);
});
