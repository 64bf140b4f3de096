// The gradient sum at a residual block's input made as the input gradient is written:
// conv2dBackpropInputAdd(dy, w, s) = conv2dBackpropInput(dy, w) + s, against the unfused calls
// on the same backend (js, wasm 1 and 2 threads; within 1e-5 relative) and a float64 input
// gradient plus s on the reference (1e-5; 1e-4 where Winograd runs, its documented bound), over
// odd sizes, strides 1-3, dilation 1-2, every padding, grouped and depthwise kernels and every
// wasm algorithm; the plan rewrite (compile/fusions-grad.ts) and its refusals; residual blocks
// whose compiled training steps use it and match the eager model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dt from '../src/index.ts';
import { layers, models } from '../src/index.ts';
import type { SymbolicTensor } from '../src/layers/symbolic.ts';
import type { Backend, ConvInfo } from '../src/backends/backend.ts';
import { WasmBackend } from '../src/backends/wasm/index.ts';
import { JsBackend } from '../src/backends/js/index.ts';
import type { ConvAlgorithm } from '../src/backends/wasm/winograd-kernels.ts';
import { Random } from '../src/core/random.ts';
import { inputGradAdd } from '../src/compile/fusions-grad.ts';
import type { Call } from '../src/compile/fusions.ts';

const rng = new Random(23);
const floats = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

type Case = { x: number[]; k: number[]; strides: number; dilations: number; padding: 'same' | 'valid'; groups?: number };
const CASES: Case[] = [
  { x: [2, 9, 9, 16], k: [3, 3, 16, 16], strides: 1, dilations: 1, padding: 'same' }, // ResNet-20's 16 -> 16 (F(4x4) under auto)
  { x: [1, 11, 7, 8], k: [3, 3, 8, 12], strides: 1, dilations: 1, padding: 'valid' },
  { x: [2, 10, 10, 12], k: [3, 3, 12, 16], strides: 2, dilations: 1, padding: 'same' }, // a downsampling block's first convolution
  { x: [3, 9, 9, 8], k: [1, 1, 8, 16], strides: 2, dilations: 1, padding: 'valid' }, // its projection
  { x: [1, 13, 11, 5], k: [3, 3, 5, 7], strides: 3, dilations: 1, padding: 'same' },
  { x: [2, 12, 12, 8], k: [3, 3, 8, 8], strides: 1, dilations: 2, padding: 'same' },
  { x: [1, 15, 9, 3], k: [2, 3, 3, 4], strides: 2, dilations: 2, padding: 'valid' },
  { x: [2, 8, 8, 8], k: [3, 3, 1, 8], strides: 1, dilations: 1, padding: 'same', groups: 8 }, // depthwise
  { x: [1, 9, 9, 8], k: [3, 3, 2, 8], strides: 2, dilations: 1, padding: 'same', groups: 4 }, // grouped
  { x: [1, 7, 7, 32], k: [3, 3, 32, 32], strides: 1, dilations: 1, padding: 'same' },
];

describe('conv2dBackpropInputAdd: an input gradient with a gradient added, in one call', () => {
  const backends: [string, Backend, ConvAlgorithm[]][] = [['js', new JsBackend(), ['auto']], ['wasm 1 thread', new WasmBackend(1), ['auto', 'direct', 'winograd', 'winograd4']], ['wasm 2 threads', new WasmBackend(2), ['auto', 'direct', 'winograd4']]];
  for (const c of CASES) {
    const what = `dy of ${c.x.join('x')} * ${c.k.join('x')}, stride ${c.strides}, dilation ${c.dilations}, '${c.padding}'${c.groups ? `, ${c.groups} groups` : ''}`;
    it(what, async () => {
      const info: ConvInfo = dt.convInfo(c.x, c.k, { strides: c.strides, dilations: c.dilations, padding: c.padding, groups: c.groups ?? 1 });
      const n = c.x.reduce((a, b) => a * b, 1), dyN = info.batch * info.outH * info.outW * info.outC;
      const dy = floats(dyN), w = floats(c.k.reduce((a, b) => a * b, 1)), s = floats(n);
      const exact = new Float64Array(n);
      new JsBackend().conv2dBackpropInput(Float64Array.from(dy), Float64Array.from(w), exact, info);
      for (let i = 0; i < n; i++) exact[i] += s[i];
      for (const [name, be, algorithms] of backends) {
        if (be instanceof WasmBackend) await be.whenReady();
        for (const alg of algorithms) {
          if (be instanceof WasmBackend) be.convAlgorithm = alg;
          const arr = (v: ArrayLike<number>): Float32Array => {
            if (!(be instanceof WasmBackend)) return Float32Array.from(v);
            const a = be.mem.f32(be.mem.reserve(v.length * 4), v.length); a.set(v); return a;
          };
          const [bdy, bw, bs] = [arr(dy), arr(w), arr(s)];
          const fused = arr(new Float32Array(n).fill(NaN)), t = arr(new Float32Array(n).fill(NaN)), sum = arr(new Float32Array(n).fill(NaN));
          be.conv2dBackpropInputAdd(bdy, bw, bs, fused, info);
          be.conv2dBackpropInput(bdy, bw, t, info);
          be.binary('add', t, [1], bs, [1], sum, [n]);
          const bound = alg.startsWith('winograd') || (alg === 'auto' && name !== 'js' && c.k[0] === 3 && c.strides === 1 && c.dilations === 1 && !c.groups) ? 1e-4 : 1e-5;
          for (let i = 0; i < n; i++) {
            assert.ok(Math.abs(fused[i] - sum[i]) <= 1e-5 * Math.max(1, Math.abs(sum[i])), `${name} ${alg} [${i}]: fused ${fused[i]} vs unfused ${sum[i]}`);
            assert.ok(Math.abs(fused[i] - exact[i]) <= bound * Math.max(1, Math.abs(exact[i])), `${name} ${alg} [${i}]: ${fused[i]} vs float64 ${exact[i]}`);
          }
        }
        if (be instanceof WasmBackend) be.convAlgorithm = 'auto';
      }
    });
  }

  it('the js and wasm kernels reject an addend of another size with its name and the sizes', () => {
    const info = dt.convInfo([1, 4, 4, 8], [3, 3, 8, 8], { padding: 'same' });
    assert.throws(() => new JsBackend().conv2dBackpropInputAdd(new Float32Array(128), new Float32Array(576), new Float32Array(100), new Float32Array(128), info), /conv2dBackpropInputAdd: the addend has 100 values, the input gradient 128/);
    assert.throws(() => new WasmBackend(1).conv2dBackpropInputAdd(new Float32Array(128), new Float32Array(576), new Float32Array(100), new Float32Array(128), info), /conv2dBackpropInputAdd: the addend has 100 values/);
  });
});

describe('the rewrite conv2dBackpropInput + add -> conv2dBackpropInputAdd', () => {
  const info = dt.convInfo([1, 2, 2, 2], [1, 1, 2, 2], { padding: 'valid' });
  const buf = (): Float32Array => new Float32Array(8);
  const [dy, w, t, s, sum, other] = [buf(), buf(), buf(), buf(), buf(), buf()];
  const grad: Call = { kernel: 'conv2dBackpropInput', args: [dy, w, t, info] };
  const writeS: Call = { kernel: 'unary', args: ['neg', other, s] };
  const add = (a: Float32Array, b: Float32Array, aStrides = [1]): Call => ({ kernel: 'binary', args: ['add', a, aStrides, b, [1], sum, [8]] });
  const kernels = (calls: Call[]): string[] => inputGradAdd.rewrite(calls, new Set([sum])).map((c) => c.kernel);
  it('fuses at the add, with the gradient on either side of it', () => {
    for (const a of [add(t, s), add(s, t)]) {
      const out = inputGradAdd.rewrite([grad, writeS, a], new Set([sum]));
      assert.deepEqual(out.map((c) => c.kernel), ['unary', 'conv2dBackpropInputAdd']);
      assert.deepEqual(out[1].args, [dy, w, s, sum, info]);
    }
  });
  it('leaves it alone where t has another reader or is a result, dy or w is written in between, or the add broadcasts', () => {
    assert.deepEqual(kernels([grad, add(t, s), { kernel: 'unary', args: ['neg', t, other] }]), ['conv2dBackpropInput', 'binary', 'unary'], 't read twice');
    assert.deepEqual(inputGradAdd.rewrite([grad, add(t, s)], new Set([t, sum])).map((c) => c.kernel), ['conv2dBackpropInput', 'binary'], 't a result of the step');
    assert.deepEqual(kernels([grad, { kernel: 'unary', args: ['neg', other, dy] }, add(t, s)]), ['conv2dBackpropInput', 'unary', 'binary'], 'dy rewritten');
    assert.deepEqual(kernels([grad, { kernel: 'unary', args: ['neg', other, w] }, add(t, s)]), ['conv2dBackpropInput', 'unary', 'binary'], 'w rewritten');
    assert.deepEqual(kernels([grad, add(t, t)]), ['conv2dBackpropInput', 'binary'], 't added to itself');
    const small = new Float32Array(1);
    assert.deepEqual(kernels([grad, { kernel: 'binary', args: ['add', t, [1], small, [0], sum, [8]] }]), ['conv2dBackpropInput', 'binary'], 'a broadcast addend');
  });
});

describe('residual blocks train with the gradient sum fused', () => {
  /** conv-BN-relu-conv-BN + shortcut -> relu; a projection (1x1 conv, stride 2) when `project`. */
  function block(project: boolean): models.Model {
    const inputs = layers.input({ shape: [7, 7, 8] });
    const strides = project ? 2 : 1;
    let h = layers.conv2d({ filters: 8, kernelSize: 3, strides, padding: 'same', useBias: false }).apply(inputs) as SymbolicTensor;
    h = layers.reLU().apply(layers.batchNormalization().apply(h)) as SymbolicTensor;
    h = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }).apply(h) as SymbolicTensor;
    h = layers.batchNormalization().apply(h) as SymbolicTensor;
    const shortcut = project ? layers.conv2d({ filters: 8, kernelSize: 1, strides: 2, useBias: false }).apply(inputs) as SymbolicTensor : inputs;
    const out = layers.reLU().apply(layers.add().apply([h, shortcut])) as SymbolicTensor;
    // A first convolution in front, so that the block's input has a gradient to sum.
    const flat = layers.dense({ units: 3 }).apply(layers.globalAveragePooling2d().apply(out)) as SymbolicTensor;
    const stem = layers.input({ shape: [7, 7, 3] });
    const inner = models.model({ inputs, outputs: flat });
    const s = layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(stem) as SymbolicTensor;
    return models.model({ inputs: stem, outputs: inner.apply(s) as SymbolicTensor });
  }
  for (const backend of ['js', 'wasm'] as const) {
    for (const project of [false, true]) {
      it(`on ${backend}: ${project ? 'a projection shortcut at stride 2' : 'an identity shortcut'}: compiled = eager over three SGD steps, one conv2dBackpropInputAdd`, async () => {
        await dt.ready();
        dt.setBackend(backend);
        try {
          const [compiled, eager] = [block(project), block(project)];
          eager.setWeights(compiled.getWeights());
          compiled.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd' });
          eager.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'sgd', runEagerly: true });
          const x = dt.tensor(floats(5 * 7 * 7 * 3), [5, 7, 7, 3]), y = dt.tensor(Int32Array.from([0, 1, 2, 1, 0]), [5]);
          for (let step = 0; step < 3; step++) {
            const [lc, le] = [Number(compiled.trainOnBatch(x, y)), Number(eager.trainOnBatch(x, y))];
            assert.ok(Math.abs(lc - le) <= 1e-5 * Math.max(1, Math.abs(le)), `step ${step}: loss compiled ${lc} vs eager ${le}`);
          }
          compiled.getWeights().forEach((w, i) => {
            const [a, b] = [w.dataSync(), eager.getWeights()[i].dataSync()];
            for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) <= 1e-5 * Math.max(1, Math.abs(b[j])), `weight ${i}[${j}]: compiled ${a[j]} vs eager ${b[j]}`);
          });
          const plans = (compiled as unknown as { plans: Map<string, { calls: Call[] }> }).plans;
          const [key, { calls }] = [...plans.entries()].find(([k]) => k.includes('|train|'))!;
          const kernels = calls.map((c) => c.kernel + (typeof c.args[0] === 'string' ? ` ${c.args[0]}` : ''));
          assert.equal(kernels.filter((k) => k === 'conv2dBackpropInputAdd').length, 1, `${key}: ${kernels.join(', ')}`);
          const blockInput = 5 * 7 * 7 * 8;
          assert.equal(calls.filter((c) => c.kernel === 'binary' && c.args[0] === 'add' && (c.args[5] as Float32Array).length === blockInput).length, 0, `${key}: the sum at the block input is fused`);
        } finally { dt.setBackend('wasm'); }
      });
    }
  }
});
