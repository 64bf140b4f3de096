// TF.js's IO handlers in Node: model.save(handler | URL) and loadLayersModel(handler | URL),
// checked against @tensorflow/tfjs itself (its withSaveHandler/fromMemory, and its own
// localstorage:// reading what deeptype wrote and the other way round), an HTTP server for
// http://, File objects for browserFiles, and every bad input. IndexedDB and downloads://
// need a page: test/io-browser.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dt from '../src/index.ts';
import { io, layers, models } from '../src/index.ts';
import { resetNames } from '../src/layers/layer.ts';
import { assertClose, tf, toTf } from './helpers/oracle.ts';

const x = dt.tensor(Float32Array.from({ length: 3 * 8 * 8 * 2 }, (_, i) => Math.sin(i * 0.37)), [3, 8, 8, 2]);
const y = dt.tensor(Int32Array.of(0, 2, 1), [3]);

/** A trained model with a conv, BatchNormalization (non-trainable weights) and a compiled Adam. */
async function trained(seed = 3, units = 3): Promise<models.Sequential> {
  resetNames();
  dt.setRandomSeed(seed);
  const m = new models.Sequential([
    new layers.Input({ shape: [8, 8, 2] }),
    layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
    layers.batchNormalization(),
    layers.flatten(),
    layers.dense({ units, activation: 'softmax' }),
  ]);
  m.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  await m.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0 });
  return m;
}

const bitsEqual = (a: dt.Tensor, b: dt.Tensor, what: string) => assert.deepEqual(Array.from(a.data), Array.from(b.data), what);

/** localStorage as a browser has it: strings only, and a quota in characters. */
class FakeStorage {
  items = new Map<string, string>();
  constructor(public quota = Infinity) {}
  get length() { return this.items.size; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  getItem(k: string) { return this.items.get(k) ?? null; }
  removeItem(k: string) { this.items.delete(k); }
  clear() { this.items.clear(); }
  setItem(k: string, v: string) {
    const used = [...this.items].reduce((n, [a, b]) => n + (a === k ? 0 : a.length + b.length), 0);
    if (used + k.length + String(v).length > this.quota) throw new Error('QuotaExceededError: the quota has been exceeded');
    this.items.set(k, String(v));
  }
}

describe('memory handlers', () => {
  it('withSaveHandler gets the artifacts; fromMemory loads them back bit for bit, compiled as saved', async () => {
    const m = await trained();
    let saved: io.ModelArtifacts | undefined;
    const result = await m.save(io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: io.artifactsInfo(a) }; }));
    assert.ok(saved && saved.weightData instanceof ArrayBuffer);
    assert.equal(result.modelArtifactsInfo.modelTopologyType, 'JSON');
    assert.equal(result.modelArtifactsInfo.weightDataBytes, m.weights.reduce((n, w) => n + w.size * 4, 0));
    assert.equal(result.modelArtifactsInfo.modelTopologyBytes, new TextEncoder().encode(JSON.stringify(saved.modelTopology)).length);
    const back = await dt.loadLayersModel(io.fromMemory(saved));
    bitsEqual(back.predict(x) as dt.Tensor, m.predict(x) as dt.Tensor, 'predictions');
    assert.deepEqual(back.weights.map((w) => w.name), m.weights.map((w) => w.name));
    assert.equal(back.optimizer?.getConfig().learning_rate ?? back.optimizer?.getConfig().learningRate, m.optimizer?.getConfig().learning_rate ?? m.optimizer?.getConfig().learningRate);
    assert.ok(back.loss, 'compiled from the training config');
    const bare = await dt.loadLayersModel(io.fromMemory(saved), { compile: false });
    assert.equal(bare.loss, undefined, 'compile: false leaves it uncompiled');
    // TF.js's other spelling, fromMemory(topology, specs, data), and weights as a list of buffers.
    const data = new Uint8Array(saved.weightData as ArrayBuffer);
    const split = [data.slice(0, 100).buffer, data.slice(100).buffer];
    const positional = await dt.loadLayersModel(io.fromMemory(saved.modelTopology!, saved.weightSpecs, saved.weightData as ArrayBuffer));
    bitsEqual(positional.predict(x) as dt.Tensor, m.predict(x) as dt.Tensor, 'fromMemory(topology, specs, data)');
    const listed = await dt.loadLayersModel(io.fromMemory({ ...saved, weightData: split }));
    bitsEqual(listed.predict(x) as dt.Tensor, m.predict(x) as dt.Tensor, 'weights as ArrayBuffer[]');
  });

  it('includeOptimizer carries Adam\'s state through memory', async () => {
    const m = await trained();
    let saved: io.ModelArtifacts | undefined;
    await m.save(io.withSaveHandler((a) => { saved = a; return { modelArtifactsInfo: io.artifactsInfo(a) }; }), { includeOptimizer: true });
    assert.ok(saved!.weightSpecs!.some((s) => s.group === 'optimizer'));
    const back = await dt.loadLayersModel(io.fromMemory(saved!));
    assert.equal(back.optimizer!.iterations, m.optimizer!.iterations);
    await m.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
    await back.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, shuffle: false });
    bitsEqual(back.predict(x) as dt.Tensor, m.predict(x) as dt.Tensor, 'one more step from the restored Adam state');
  });

  it('TF.js loads what deeptype saved, and deeptype what TF.js saved, predicting the same', async () => {
    const m = await trained();
    let ours: io.ModelArtifacts | undefined;
    await m.save(io.withSaveHandler((a) => { ours = a; return { modelArtifactsInfo: io.artifactsInfo(a) }; }));
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(ours as tf.io.ModelArtifacts));
    assertClose(m.predict(x) as dt.Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'TF.js on deeptype\'s artifacts');
    let fromTf: tf.io.ModelArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (a) => { fromTf = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const back = await dt.loadLayersModel(io.fromMemory(fromTf as io.ModelArtifacts));
    assertClose(back.predict(x) as dt.Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'deeptype on TF.js\'s artifacts');
  });

  it('bad handlers and artifacts are named', async () => {
    const m = await trained();
    await assert.rejects(m.save({ load: async () => ({}) } as never), /model\.save: the handler has no save\(\) method/);
    await assert.rejects(dt.loadLayersModel({ save: async () => ({}) } as never), /loadLayersModel: the handler has no load\(\) method/);
    await assert.rejects(dt.loadLayersModel(io.fromMemory({ weightSpecs: [] } as never)), /loadLayersModel \(IOHandler\): the artifacts have no modelTopology/);
    await assert.rejects(dt.loadLayersModel({ load: async () => ({ modelTopology: new ArrayBuffer(4) }) }), /binary \(a TF\.js graph model\)/);
    let saved: io.ModelArtifacts | undefined;
    await m.save(io.withSaveHandler((a) => { saved = a; return { modelArtifactsInfo: io.artifactsInfo(a) }; }));
    const short = (saved!.weightData as ArrayBuffer).slice(0, 40);
    await assert.rejects(dt.loadLayersModel(io.fromMemory({ ...saved!, weightData: short })), /hold 40 bytes, but the manifest's \d+ weights need \d+ \(truncated\?\)/);
    await assert.rejects(m.save('ftp://host/m'), /unknown URL scheme 'ftp:\/\/'/);
    await assert.rejects(m.save('downloads://m'), /downloads need a browser page/);
    await assert.rejects(dt.loadLayersModel('downloads://m'), /downloads:\/\/ only saves/);
    await assert.rejects(m.save(io.withSaveHandler(() => ({ modelArtifactsInfo: io.artifactsInfo({}) })), { includeOptimiser: true } as never), /unknown option 'includeOptimiser'/);
    await assert.rejects(dt.loadLayersModel(io.fromMemory(saved!), { strict: false }), /strict: false is not supported/);
    await assert.rejects(dt.loadLayersModel(io.fromMemory(saved!), { weightPrefix: 'x' } as never), /unknown option 'weightPrefix'/);
    await assert.rejects(dt.loadLayersModel('/nonexistent/model.json', { weightPathPrefix: 'x' }), /weightPathPrefix applies to http\(s\):\/\/ URLs/);
    await assert.rejects(m.save(42 as never), /expected a path, a URL or an IOHandler, got 42/);
    assert.throws(() => io.withSaveHandler('no' as never), /expected a function/);
    await assert.rejects(m.save('localstorage://m'), /local storage is not available here/);
    await assert.rejects(m.save('indexeddb://m'), /IndexedDB is not available here/);
    await assert.rejects(m.save('localstorage://'), /a model needs a name/);
  });
});

describe('localstorage:// in TF.js\'s layout', () => {
  let storage: FakeStorage;
  before(() => {
    storage = new FakeStorage();
    (globalThis as { localStorage?: unknown }).localStorage = storage;
    (globalThis as { window?: unknown }).window = { localStorage: storage };
    tf.env().set('IS_BROWSER', true);
  });
  after(() => {
    tf.env().set('IS_BROWSER', false);
    delete (globalThis as { localStorage?: unknown }).localStorage;
    delete (globalThis as { window?: unknown }).window;
  });

  it('round trips, and TF.js reads it (and deeptype reads TF.js\'s)', async () => {
    const m = await trained();
    const r = await m.save('localstorage://seed');
    assert.equal(r.modelArtifactsInfo.weightDataBytes, m.weights.reduce((n, w) => n + w.size * 4, 0));
    assert.deepEqual([...storage.items.keys()].sort(), ['info', 'model_metadata', 'model_topology', 'weight_data', 'weight_specs'].map((k) => `tensorflowjs_models/seed/${k}`));
    const back = await dt.loadLayersModel('localstorage://seed');
    bitsEqual(back.predict(x) as dt.Tensor, m.predict(x) as dt.Tensor, 'deeptype round trip');
    assert.ok(back.loss, 'compiled from the stored training config');
    const theirs = await tf.loadLayersModel('localstorage://seed');
    assertClose(m.predict(x) as dt.Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'TF.js reading deeptype\'s localstorage');
    await theirs.save('localstorage://from-tfjs');
    const mine = await dt.loadLayersModel('localstorage://from-tfjs');
    assertClose(mine.predict(x) as dt.Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'deeptype reading TF.js\'s localstorage');
    assert.deepEqual(Object.keys(await io.listModels()).sort(), ['localstorage://from-tfjs', 'localstorage://seed']);
  });

  it('copy, move and remove; a missing model is named with what is there', async () => {
    storage.clear();
    const m = await trained();
    await m.save('localstorage://a');
    await io.copyModel('localstorage://a', 'localstorage://b');
    await io.moveModel('localstorage://b', 'localstorage://c');
    assert.deepEqual(Object.keys(await io.listModels()).sort(), ['localstorage://a', 'localstorage://c']);
    bitsEqual((await dt.loadLayersModel('localstorage://c')).predict(x) as dt.Tensor, m.predict(x) as dt.Tensor, 'moved copy');
    const info = await io.removeModel('localstorage://a');
    assert.equal(info.weightDataBytes, m.weights.reduce((n, w) => n + w.size * 4, 0));
    await assert.rejects(dt.loadLayersModel('localstorage://a'), /no model of that name in local storage \(it holds: c\)/);
    await assert.rejects(io.removeModel('localstorage://a'), /no model at localstorage:\/\/a/);
    await assert.rejects(io.copyModel('memory://a', 'localstorage://b'), /expected 'localstorage:\/\/name' or 'indexeddb:\/\/name'/);
  });

  it('a save over the quota fails loudly and leaves the model saved before under that name', async () => {
    storage.clear();
    const small = await trained(3, 3);
    await small.save('localstorage://m');
    storage.quota = [...storage.items].reduce((n, [k, v]) => n + k.length + v.length, 0) + 200;
    const big = await trained(4, 40);
    await assert.rejects(big.save('localstorage://m'), /localstorage:\/\/m: saving failed \(QuotaExceededError.*quota is a likely cause.*anything saved under this name before is unchanged/s);
    const back = await dt.loadLayersModel('localstorage://m');
    bitsEqual(back.predict(x) as dt.Tensor, small.predict(x) as dt.Tensor, 'the model saved before is intact');
    storage.quota = Infinity;
  });
});

describe('http:// and browserFiles', () => {
  let server: Server, base: string, dir: string, model: models.Sequential;
  const uploads: Record<string, Uint8Array> = {};
  const requests: string[] = [];
  before(async () => {
    model = await trained();
    dir = mkdtempSync(join(tmpdir(), 'deeptype-http-'));
    await model.save(dir);
    server = createServer(async (req, res) => {
      const url = req.url ?? '/';
      requests.push(`${req.method} ${url}`);
      if (req.method === 'POST' && url.startsWith('/upload')) {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        // The body is multipart/form-data; fetch's own parser reads it back.
        const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type']! } }).formData();
        for (const k of ['model.json', 'model.weights.bin']) uploads[k] = new Uint8Array(await (form.get(k) as Blob).arrayBuffer());
        return void res.writeHead(url === '/upload/refuse' ? 507 : 200).end('ok');
      }
      const file = url.replace(/\?.*$/, '').replace(/^\/m\//, '');
      if (url.startsWith('/m/') && readdirSync(dir).includes(file)) return void res.writeHead(200).end(readFileSync(join(dir, file)));
      if (url.startsWith('/up/') && uploads[url.slice(4).replace(/\?.*$/, '')]) return void res.writeHead(200).end(uploads[url.slice(4).replace(/\?.*$/, '')]);
      res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server?.close());

  it('loads a model directory over HTTP (weights beside model.json, the query string kept)', async () => {
    const fractions: number[] = [];
    const back = await dt.loadLayersModel(`${base}/m/model.json?v=2`, { onProgress: (f) => fractions.push(f) });
    bitsEqual(back.predict(x) as dt.Tensor, model.predict(x) as dt.Tensor, 'over HTTP');
    assert.deepEqual(fractions, [1]);
    assert.ok(requests.some((r) => /^GET \/m\/weights-.*\.bin\?v=2$/.test(r)), requests.join('; '));
    const theirs = await tf.loadLayersModel(`${base}/m/model.json`);
    assertClose(back.predict(x) as dt.Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'TF.js over the same HTTP');
  });

  it('saves by POSTing model.json and model.weights.bin as TF.js does, which load back', async () => {
    const r = await model.save(`${base}/upload`);
    assert.equal(r.responses?.[0].status, 200);
    assert.deepEqual(Object.keys(uploads).sort(), ['model.json', 'model.weights.bin']);
    const json = JSON.parse(new TextDecoder().decode(uploads['model.json']));
    assert.deepEqual(json.weightsManifest[0].paths, ['./model.weights.bin']);
    const back = await dt.loadLayersModel(`${base}/up/model.json`);
    bitsEqual(back.predict(x) as dt.Tensor, model.predict(x) as dt.Tensor, 'uploaded and fetched back');
    const theirs = await tf.loadLayersModel(`${base}/up/model.json`);
    assertClose(back.predict(x) as dt.Tensor, theirs.predict(toTf(x)) as tf.Tensor, 1e-5, 'TF.js reading the upload');
    await assert.rejects(model.save(`${base}/upload/refuse`), /the server answered HTTP 507 .*the model was not saved/);
  });

  it('names a missing model.json, a missing weight file and a bad request', async () => {
    await assert.rejects(dt.loadLayersModel(`${base}/nothing/model.json`), /fetching model\.json .*nothing\/model\.json failed with HTTP 404/);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const fetchFunc = (async (u: string) => (String(u).endsWith('model.json') ? new Response(JSON.stringify(json)) : new Response('', { status: 404, statusText: 'Not Found' }))) as typeof fetch;
    await assert.rejects(dt.loadLayersModel('http://example.invalid/x/model.json', { fetchFunc }), /fetching weights http:\/\/example\.invalid\/x\/weights-.*\.bin failed with HTTP 404/);
    const short = (async (u: string) => (String(u).endsWith('model.json') ? new Response(JSON.stringify(json)) : new Response(new Uint8Array(12)))) as typeof fetch;
    await assert.rejects(dt.loadLayersModel('http://example.invalid/x/model.json', { fetchFunc: short }), /hold 12 bytes, but their \d+ weights need \d+ \(truncated\?\)/);
    assert.throws(() => io.http(`${base}/upload`, { requestInit: { body: 'x' } }), /requestInit\.body is not allowed/);
    const notJson = (async () => new Response('<html>')) as typeof fetch;
    await assert.rejects(dt.loadLayersModel('http://example.invalid/model.json', { fetchFunc: notJson }), /model\.json at .* is not valid JSON/);
  });

  it('browserFiles loads File objects: model.json first, weights matched by name', async () => {
    const names = readdirSync(dir);
    const weights = names.find((n) => n.endsWith('.bin'))!;
    const jsonFile = new File([readFileSync(join(dir, 'model.json'))], 'model.json');
    const binFile = new File([readFileSync(join(dir, weights))], weights);
    const back = await dt.loadLayersModel(io.browserFiles([jsonFile, binFile]));
    bitsEqual(back.predict(x) as dt.Tensor, model.predict(x) as dt.Tensor, 'from File objects');
    await assert.rejects(dt.loadLayersModel(io.browserFiles([jsonFile])), new RegExp(`the weight file '${weights}' it names was not given \\(given: none\\)`));
    await assert.rejects(dt.loadLayersModel(io.browserFiles([jsonFile, binFile, new File(['x'], 'extra.bin')])), /the file 'extra\.bin' is not one of the weight files it names/);
    assert.throws(() => io.browserFiles([]), /expected a list of files/);
  });
});

describe('a model nested in a functional model, in TF.js\'s numbering of its calls', () => {
  it('TF.js loads deeptype\'s file and deeptype loads TF.js\'s, a nested model called twice included; files numbered from 0 still load', async () => {
    resetNames();
    dt.setRandomSeed(4);
    const inner = new models.Sequential([layers.dense({ units: 4, inputShape: [3], activation: 'relu', name: 'id' })]);
    const a = layers.input({ shape: [3], name: 'a' }), b = layers.input({ shape: [3], name: 'b' });
    const joined = layers.concatenate().apply([inner.apply(a), inner.apply(b)] as never) as unknown as dt.SymbolicTensor;
    const ours = new models.Model({ inputs: [a, b], outputs: [layers.dense({ units: 2, name: 'o' }).apply(joined) as dt.SymbolicTensor, inner.apply(b) as dt.SymbolicTensor] });
    const xa = dt.tensor([[1, 2, 3], [0, -1, 2]]), xb = dt.tensor([[0.5, 0, -2], [1, 1, 1]]);
    const expected = ours.predict([xa, xb]) as dt.Tensor[];
    let saved!: io.ModelArtifacts;
    await ours.save(io.withSaveHandler(async (art) => { saved = art; return { modelArtifactsInfo: io.artifactsInfo(art) }; }));
    const nodes = JSON.stringify((saved.modelTopology as { config: unknown }).config);
    assert.match(nodes, /\[\["sequential",1,0,\{\}\],\["sequential",2,0,\{\}\]\]/, 'the nested model\'s calls are nodes 1, 2 and 3, as TF.js numbers them');
    assert.match(nodes, /"output_layers":\[\["o",0,0\],\["sequential",3,0\]\]/);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    (theirs.predict([toTf(xa), toTf(xb)]) as tf.Tensor[]).forEach((t, i) => assertClose(expected[i], t, 1e-6, `TF.js output ${i}`));
    const back = await dt.loadLayersModel(io.fromMemory(saved));
    (back.predict([xa, xb]) as dt.Tensor[]).forEach((t, i) => assertClose(t, expected[i], 1e-7, `deeptype output ${i}`));

    // The same model written before (the nested model's calls as nodes 0 and 1) still loads.
    const old = JSON.parse(JSON.stringify(saved.modelTopology).replace(/\["sequential",(\d),0/g, (_, n) => `["sequential",${Number(n) - 1},0`));
    const fromOld = await dt.loadLayersModel(io.fromMemory({ ...saved, modelTopology: old }));
    (fromOld.predict([xa, xb]) as dt.Tensor[]).forEach((t, i) => assertClose(t, expected[i], 1e-7, `old numbering output ${i}`));

    // TF.js's own file of a nested model.
    const tInner = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'tid' })] });
    const ti = tf.input({ shape: [3] });
    const tModel = tf.model({ inputs: ti, outputs: tf.layers.dense({ units: 1 }).apply(tInner.apply(ti)) as tf.SymbolicTensor });
    let tSaved!: tf.io.ModelArtifacts;
    await tModel.save(tf.io.withSaveHandler(async (art) => { tSaved = art; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await dt.loadLayersModel(io.fromMemory(tSaved as io.ModelArtifacts));
    assertClose(loaded.predict(xa) as dt.Tensor, tModel.predict(toTf(xa)) as tf.Tensor, 1e-6, 'deeptype reading TF.js\'s nested model');
  });
});
