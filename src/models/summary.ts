// model.summary() as Keras prints it: Layer (type), Output Shape, Param # and, for graphs that
// are not a plain chain, Connected to (each input as layer[node][tensor]).
import type { Variable } from '../core/tensor.ts';
import type { Layer, ShapeSpec } from '../layers/layer.ts';
import type { Model } from './model.ts';

const shapeText = (s: ShapeSpec): string => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`;

export function printSummary(model: Model, print: (line: string) => void): void {
  const sequential = model.className === 'Sequential';
  if (sequential && !model.isFunctional) {
    // Not built yet: try the deferred build the first data would do.
    if (!model.batchInputShape) throw new Error(`summary: model "${model.name}" has not been built yet: give it an Input, or call it on data first`);
  }
  const rows: string[][] = [];
  if (model.isFunctional) {
    const nodes = model.graphNodes;
    const nodeIndex = (l: Layer, n: unknown): number => l.inboundNodes.indexOf(n as never);
    for (const layer of model.layers) {
      const own = nodes.filter((n) => n.layer === layer);
      let shape: string;
      if (layer.className === 'InputLayer') shape = `[${shapeText(layer.batchInputShape ?? [])}]`;
      else if (own.length === 1) shape = own[0].outputs.length === 1 ? shapeText(own[0].outputs[0].shape) : own[0].outputs.map((t) => shapeText(t.shape)).join(', ');
      else shape = 'multiple';
      const connected = own.flatMap((n) => n.inputs.map((t) => `${t.node.layer.name}[${nodeIndex(t.node.layer, t.node)}][${t.index}]`));
      const row = [`${layer.name} (${layer.className})`, shape, layer.countParams().toLocaleString('en-US')];
      rows.push(sequential ? row : [...row, connected.length ? `['${connected.join("', '")}']` : '[]']);
    }
  } else {
    // A subclassed model: its layers' shapes are only known inside call().
    for (const layer of model.layers) rows.push([`${layer.name} (${layer.className})`, layer.built ? '?' : '? (unbuilt)', layer.countParams().toLocaleString('en-US')]);
  }
  const widths = sequential || !model.isFunctional ? [29, 26, 10] : [32, 21, 12, 33];
  const total = widths.reduce((a, b) => a + b, 0);
  // A cell longer than its column wraps onto more lines (as Keras's table does), so the columns stay aligned.
  const printRow = (cells: string[]): void => {
    const parts = cells.map((c, i) => wrapText(c, widths[i] - 2));
    const height = Math.max(...parts.map((p) => p.length));
    for (let k = 0; k < height; k++) print(parts.map((p, i) => (' ' + (p[k] ?? '')).padEnd(widths[i])).join('').trimEnd());
  };
  print(`Model: "${model.name}"`);
  print('_'.repeat(total));
  printRow(widths.length === 4 ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #']);
  print('='.repeat(total));
  rows.forEach((r, i) => {
    printRow(r);
    if (i < rows.length - 1) print(' '.repeat(total));
  });
  const count = (ws: Variable[]): string => ws.reduce((n, w) => n + w.size, 0).toLocaleString('en-US');
  print('='.repeat(total));
  print(`Total params: ${count(model.weights)}`);
  print(`Trainable params: ${count(model.trainableWeights)}`);
  print(`Non-trainable params: ${count(model.nonTrainableWeights)}`);
  print('_'.repeat(total));
}

/** Splits text into lines of at most `width` characters, after a space, '(' or ',' where it can. */
function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const window = rest.slice(0, width + 1);
    const at = Math.max(window.lastIndexOf(' '), window.lastIndexOf('('), window.lastIndexOf(','));
    const cut = at > 0 ? (window[at] === ',' ? at + 1 : at) : width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}
