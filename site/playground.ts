// The playground's page: the notebook's cells as written, their outputs and figures as the
// worker (site/worker.ts) sends them, the training controls, the drawing canvas and the model
// file buttons. Everything deeptype computes runs in the worker, so this thread only draws and
// the canvas follows the mouse while the model trains. Bundled by scripts/playground.mjs.
import { CELLS } from './cells.ts';
import type { Command, Report } from './protocol.ts';

const $ = <T extends HTMLElement>(sel: string): T => document.querySelector(sel) as T;
const params = new URLSearchParams(location.search);
const el = (tag: string, cls = '', text = ''): HTMLElement => { const e = document.createElement(tag); e.className = cls; e.textContent = text; return e; };
const setStatus = (text: string, cls = ''): void => { $('#status').textContent = text; $('#status').className = cls; };
/** Where errors go: the status line (and the console, so tests and developers see them). */
const report = (where: string, message: string): void => setStatus(`${where}: ${message}`, 'error');

// The page's query (?threads=N) reaches the worker in its own URL.
const worker = new Worker(new URL(`./playground-worker.js${location.search}`, import.meta.url), { type: 'module' });
const send = (c: Command, transfer: Transferable[] = []): void => worker.postMessage(c, transfer);
worker.addEventListener('error', (e) => { report('Worker', e.message || 'the worker script failed to load'); console.error(e); });

// --- Cells: their code as written; outputs and figures arrive from the worker.
const views: { root: HTMLElement; out: HTMLElement; figs: HTMLElement }[] = [];
function renderCells(): void {
  const firstOnDemand = CELLS.findIndex((c) => c.onDemand);
  CELLS.forEach((spec, i) => {
    const root = el('section', 'cell');
    root.append(el('h2', '', spec.title));
    if (spec.text) root.append(el('p', '', spec.text));
    const out = el('pre', 'output'), figs = el('div', 'figures');
    root.append(el('pre', 'code', spec.code), out, figs);
    if (i === firstOnDemand) root.append($('#train-controls'));
    $('#cells').append(root);
    views.push({ root, out, figs });
  });
}

// --- Training: the progress text is redrawn once a frame, however fast batches arrive.
const progress = { done: '', line: '', dirty: false };
function showProgress(): void {
  if (progress.dirty) return;
  progress.dirty = true;
  requestAnimationFrame(() => { progress.dirty = false; $('#progress').textContent = progress.done + progress.line; });
}
function train(): void {
  const epochs = Number(($('#epochs') as HTMLInputElement).value), samples = Math.min(60000, Number(($('#samples') as HTMLInputElement).value));
  ($('#train') as HTMLButtonElement).disabled = true;
  Object.assign(progress, { done: '', line: '' });
  showProgress();
  setStatus('training...');
  send({ type: 'train', epochs, samples });
}

// --- The drawing canvas: 280x280 strokes, averaged into 28x28 as MNIST's digits are. One
// prediction is in flight at a time; strokes meanwhile ask for one more when it comes back.
const canvas = (): HTMLCanvasElement => $('#pad');
const prediction = { next: 0, inFlight: false, again: false };
function drawnDigit(): Float32Array {
  const { data } = canvas().getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, 280, 280);
  const pixels = new Float32Array(784);
  for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) pixels[Math.floor(y / 10) * 28 + Math.floor(x / 10)] += data[(y * 280 + x) * 4] / 255 / 100;
  return pixels;
}
function requestPrediction(): void {
  if (document.body.dataset.ready !== 'true') return;
  if (prediction.inFlight) { prediction.again = true; return; }
  prediction.inFlight = true;
  $('#probabilities').dataset.pending = 'true'; // until the answer for the canvas as it is now is shown
  const pixels = drawnDigit();
  send({ type: 'predict', id: ++prediction.next, pixels }, [pixels.buffer]);
}
function predictionDone(): void {
  prediction.inFlight = false;
  if (prediction.again) { prediction.again = false; requestPrediction(); } else $('#probabilities').dataset.pending = 'false';
}

function showPrediction(r: Extract<Report, { type: 'prediction' }>): void {
  const bars = $('#probabilities');
  bars.textContent = '';
  const best = r.p.indexOf(Math.max(...r.p));
  r.p.forEach((p, k) => {
    const row = el('div', `bar${k === best ? ' best' : ''}`);
    row.dataset.class = String(k);
    row.dataset.p = String(p);
    row.append(el('span', 'label', String(k)), Object.assign(el('span', 'fill'), { style: `width:${(p * 100).toFixed(1)}%` }), el('span', 'value', p.toFixed(3)));
    bars.append(row);
  });
  bars.dataset.best = String(best);
  bars.dataset.id = String(r.id);
  const note = r.training ? `training: the model so far says ${best}`
    : r.trained ? `the model says ${best}` : 'this model is untrained: its probabilities are noise until you train it (or load a trained one)';
  $('#draw-note').textContent = note;
  $('#draw-note').className = r.trained && !r.training ? '' : 'warning';
  $('#maps').innerHTML = r.maps;
}

function setUpPad(): void {
  const c = canvas(), ctx = c.getContext('2d', { willReadFrequently: true })!; // read back on every stroke
  const clear = (): void => { ctx.fillStyle = 'black'; ctx.fillRect(0, 0, 280, 280); };
  clear();
  let drawing = false, pending = false;
  const at = (e: MouseEvent): [number, number] => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  const schedule = (): void => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; requestPrediction(); }); } };
  c.addEventListener('mousedown', (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); });
  c.addEventListener('mousemove', (e) => {
    if (!drawing) return;
    ctx.lineTo(...at(e)); ctx.strokeStyle = 'white'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.stroke();
    schedule();
  });
  addEventListener('mouseup', () => { if (drawing) { drawing = false; schedule(); } });
  $('#clear').addEventListener('click', () => { clear(); schedule(); });
}

// --- Model files: the worker serializes and parses; the page offers the download and reads the chosen file.
function setUpFiles(): void {
  $('#download').addEventListener('click', () => send({ type: 'save', to: 'download' }));
  $('#idb-save').addEventListener('click', () => send({ type: 'save', to: 'indexeddb' }));
  $('#idb-load').addEventListener('click', () => send({ type: 'load', from: 'indexeddb' }));
  $('#upload').addEventListener('change', async (ev) => {
    const input = ev.target as HTMLInputElement, file = input.files?.[0];
    if (!file) return;
    try { send({ type: 'load', from: 'file', name: file.name, text: await file.text() }); } catch (e) { report('Load', (e as Error).message); }
    input.value = ''; // the same file chosen again loads again
  });
}

function download(text: string): void {
  const href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  Object.assign(document.createElement('a'), { href, download: 'mnist-model.json' }).click();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

// --- What the worker reports.
function onReport(r: Report): void {
  switch (r.type) {
    case 'threads':
      $('#threads').textContent = r.isolated && r.threads > 1
        ? `Training runs in a Web Worker; its kernels run on ${r.threads} threads (that worker and ${r.threads - 1} more over shared memory).`
        : 'This page is not cross-origin isolated (no SharedArrayBuffer), so the kernels run on one thread, the training worker\'s own; serve it with the COOP/COEP headers for all cores.';
      $('#threads').dataset.threads = String(r.threads);
      return;
    case 'cell': views[r.cell].root.dataset.state = r.state; return;
    case 'print': views[r.cell].out.textContent += r.text + '\n'; return;
    case 'figure': { const box = el('div', 'figure'); box.innerHTML = r.svg; views[r.cell].figs.append(box); return; }
    case 'ready':
      setStatus('ready: press Train');
      document.body.dataset.ready = 'true';
      requestPrediction();
      return;
    case 'epoch-begin': progress.done += `Epoch ${r.epoch + 1}/${r.epochs}\n`; progress.line = ''; showProgress(); return;
    case 'batch': progress.line = r.line; showProgress(); return;
    case 'curves': $('#curves').innerHTML = r.svg; $('#curves').dataset.points = String(r.points); return;
    case 'epoch-end':
      progress.done += progress.line + '\n'; progress.line = ''; showProgress();
      $('#train-summary').dataset.secondsPerEpoch = String(r.seconds);
      $('#train-summary').textContent = `epoch ${r.epoch + 1}: ${r.seconds.toFixed(1)} s for ${r.samples} images (${(r.seconds * 60000 / r.samples).toFixed(1)} s per 60,000) on ${r.threads} thread(s)`;
      return;
    case 'trained':
      ($('#train') as HTMLButtonElement).disabled = false;
      setStatus('trained: draw a digit below');
      requestPrediction();
      return;
    case 'prediction': showPrediction(r); predictionDone(); return;
    case 'saved':
      if (r.to === 'download') download(r.text!); else setStatus('saved in IndexedDB');
      return;
    case 'loaded': setStatus(`loaded the model from ${r.from}`); requestPrediction(); return;
    case 'error':
      report(r.where, r.message);
      if (r.where === 'Prediction') predictionDone();
      if (r.where === 'Training' || r.where === 'Playground') ($('#train') as HTMLButtonElement).disabled = false;
      return;
  }
}

renderCells();
setUpPad();
setUpFiles();
if (params.has('samples')) ($('#samples') as HTMLInputElement).value = params.get('samples')!;
$('#train').addEventListener('click', train);
worker.addEventListener('message', (e: MessageEvent<Report>) => onReport(e.data));
