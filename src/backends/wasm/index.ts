// The fast backend: convolutions, matMul, pooling, normalization, the element-wise math,
// softmax cross-entropy, data movement and the optimizer updates run in WebAssembly SIMD (the
// big ones on all cores); whatever a kernel does not cover (other dtypes, small element-wise
// jobs outside wasm memory, rare layouts) is inherited from the reference backend, which works
// on views of wasm memory as well as on plain arrays.
// Families with their own glue: norm.ts, norm-train.ts, transform.ts, optimizers.ts,
// spatial.ts, copies.ts; the convolutions' kernel choice in conv-kernels.ts.
// Arrays already in wasm memory (a training plan's buffers) are used in place; others are
// copied into scratch space for the call.
import { bytesPerElement, viewArray, type TypedArray } from '../../core/dtype.ts';
import type { Backend, BinaryOp, ConvActivation, ConvInfo, PoolInfo, ReduceOp, UnaryOp } from '../backend.ts';
import * as norm from './norm.ts';
import * as transform from './transform.ts';
import * as opt from './optimizers.ts';
import * as spatial from './spatial.ts';
import * as copies from './copies.ts';
import * as gathers from './gather.ts';
import * as normTrain from './norm-train.ts';
import { bnInferenceFactors } from './norm-factors.ts';
import { JsBackend } from '../js/index.ts';
import * as ref from '../js/nn.ts';
import { conv2dBackpropInputAdd as refInputGradAdd, conv2dResidual as refConv2dResidual } from '../js/conv-residual.ts';
import * as refEw from '../js/elementwise.ts';
import { WasmMemory, canShareMemory } from './memory.ts';
import { ThreadPool } from './threads.ts';
import { CALLING_THREAD_MACS, elementChunk } from './split-policy.ts';
import { ConvKernels, type Prepared } from './conv-kernels.ts';
import { TRAINING_PARALLEL } from './train-kernels.ts';
import { DEPTHWISE_PARALLEL } from './depthwise-kernels.ts';
import { POINTWISE_PARALLEL } from './pointwise-kernels.ts';
import type { ConvAlgorithm } from './winograd-kernels.ts';
import type { PlanMemory } from '../backend.ts';

const PARALLEL = [
  'gemm', 'gemmColumns', 'addRow', 'maxPool', 'maxPoolBackward', 'convDirect', 'sumRows', 'columnSums', 'convGemm', 'convFilterGrad', 'convFilterGradDirect', 'convInputGrad', 'convInputGradDirect', 'maxPoolBackwardTiled', 'convPool', 'convPoolDirect', 'convPool3x3C1', 'convFilterGrad3x3C1', 'fmaPeak', 'streamLimit', 'unaryF32', 'binaryF32', 'softmaxRows', 'softmaxCrossEntropyGrad', 'randomFill', 'movingAverage', 'affineRows', 'bnShiftedSums', 'avgPool', 'avgPoolBackward', 'resize', 'resizeBackward', 'resizeNearestGather', 'avgPoolGather', 'adamRange', 'dwConv', 'dwFilterGrad', 'dwInputGrad', 'copyChannels', 'winogradConv', 'concatRows', 'castU8F32', 'oneHotI32', 'copyBlock', 'transpose4', 'transposeBlocks', 'reduceMiddle', 'binaryStrided', 'castF32I32', 'gatherRows', 'gatherRowsGrad', 'convStemGemm',
  ...transform.TRANSFORM_KERNELS,
  'convDirectResidual', 'residualActivate', 'winogradWeights', 'convOneFilter', 'packPanels', 'padImages', 'convColumns', 'convPoolColumns', 'winograd4Conv', 'winograd4Weights', 'winograd4ConvColumns',
];
PARALLEL.push(...TRAINING_PARALLEL, ...DEPTHWISE_PARALLEL, ...POINTWISE_PARALLEL);
/** The epilogue activations' codes in the convolution kernels (assembly/conv.ts#epilogue). */
const ACTIVATION_CODES: Record<ConvActivation, number> = { relu: 1, relu6: 2 };
/** Rows per panel of the fused convolution kernels (PANEL in assembly/kernels.ts). */
const PANEL = 256;

/** The element-wise ops with SIMD kernels, in the order of their codes in assembly/activations.ts; others run the reference. */
export const UNARY_OPS: readonly UnaryOp[] = ['neg', 'abs', 'exp', 'sqrt', 'square', 'reciprocal', 'relu', 'sigmoid', 'tanh', 'step',
  'elu', 'selu', 'softplus', 'softsign', 'erf', 'relu6', 'relu6Step', 'sign'];
/** The comparisons run here only into float32 outputs (1/0 masks); boolean outputs take the reference. */
export const BINARY_OPS: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'reluGrad', 'relu6Grad',
  'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'];
/** Elements per piece of an element-wise op staged from JS memory (4 MB of float32 per array). */
const STAGED_PIECE = 1 << 20;

/** Whether strides walk a whole row-major array of this shape (size-1 axes aside). */
function isFull(strides: number[], shape: number[]): boolean {
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== step) return false;
    step *= shape[d];
  }
  return true;
}
/** Whether strides read one single value for the whole shape (a broadcast scalar). */
const isOne = (strides: number[], shape: number[]): boolean => strides.every((s, d) => s === 0 || shape[d] === 1);

type Buf = Float32Array | Int32Array;
const isF32 = (...xs: TypedArray[]): boolean => xs.every((x) => x instanceof Float32Array);

/** Default thread count: the machine's cores, or DEEPTYPE_THREADS. */
export function defaultThreads(): number {
  const env = typeof process !== 'undefined' ? Number(process.env.DEEPTYPE_THREADS) : NaN;
  if (Number.isInteger(env) && env >= 1) return env;
  return hardwareThreads();
}

/** The threads this machine runs at once (Node: os.availableParallelism; browsers: hardwareConcurrency). */
function hardwareThreads(): number {
  const os = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:os') : undefined;
  if (os) return os.availableParallelism();
  return (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
}

export class WasmBackend extends JsBackend {
  override readonly name = 'wasm';
  readonly mem: WasmMemory;
  private pool: ThreadPool;
  /** The convolution family's kernel choice and launch (conv-kernels.ts). */
  private readonly conv = new ConvKernels({
    memory: () => this.mem,
    threads: () => this.pool.count,
    chunk: (total, align) => this.pool.chunk(total, align),
    par: (name, args, total, align, chunk) => this.par(name, args, total, align, chunk),
    scratch: (bytes) => this.scratch(bytes),
    transposeToScratch: (src, rows, cols, blocks, reversed) => this.transposeToScratch(src, rows, cols, blocks, reversed),
  });

  /**
   * Which algorithm 3x3 stride-1 convolutions use: 'auto' (the one that measured fastest), or
   * always 'direct' / 'winograd' (F(2x2, 3x3)) / 'winograd4' (F(4x4, 3x3)) (tests, benchmarks).
   */
  get convAlgorithm(): ConvAlgorithm { return this.conv.convAlgorithm; }
  set convAlgorithm(a: ConvAlgorithm) { this.conv.convAlgorithm = a; }
  /** Whether the direct convolution kernels read packed weights (conv-kernels.ts#weightPacking; tests, benchmarks). */
  get weightPacking(): 'auto' | 'always' | 'never' { return this.conv.weightPacking; }
  set weightPacking(a: 'auto' | 'always' | 'never') { this.conv.weightPacking = a; }
  /** Whether one image's direct convolution is split between threads by output channels (conv-kernels.ts#columnSplit). */
  get columnSplit(): 'auto' | 'always' | 'never' { return this.conv.columnSplit; }
  set columnSplit(a: 'auto' | 'always' | 'never') { this.conv.columnSplit = a; }

  constructor(threads = defaultThreads(), module?: WebAssembly.Module) {
    super();
    this.mem = new WasmMemory(canShareMemory(), module);
    this.pool = this.makePool(threads);
  }

  /** Compiles the kernels asynchronously first (what a browser's main thread needs). */
  static async create(threads = defaultThreads()): Promise<WasmBackend> {
    const module = await WebAssembly.compile(WasmMemory.moduleBytes(canShareMemory()));
    return new WasmBackend(threads, module);
  }

  private makePool(threads: number): ThreadPool {
    const n = this.mem.shared ? threads : 1;
    return new ThreadPool(this.mem.module, this.mem.memory, n, PARALLEL, hardwareThreads());
  }

  get threads(): number { return this.pool.count; }

  /** Changes the number of threads (1 = the calling thread only). */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: expected a positive integer, got ${n}`);
    if (n === this.pool.count) return;
    void this.pool.terminate();
    this.pool = this.makePool(n);
  }

  /** Resolves when every worker thread is up (kernels run single-threaded until then). */
  async whenReady(): Promise<void> {
    while (!this.pool.ready) await new Promise((r) => setTimeout(r, 2));
  }

  /** GFLOP/s of multiply-adds alone on all threads: the limit the kernels are measured against (clock in ms: wall time, or a CPU-time clock on one thread). */
  fmaPeakGflops(clock: () => number = () => performance.now()): number {
    const units = 64 * this.threads, rounds = 20000;
    const run = (): number => { const t = clock(); this.par('fmaPeak', [rounds], units); return clock() - t; };
    run();
    const ms = Math.min(run(), run(), run());
    return (units * rounds * 10 * 8) / ms / 1e6; // ten 4-lane multiply-adds per round
  }

  /**
   * Memory for compiled plans, in wasm memory. Not offered without shared memory: growing
   * plain memory would detach the plans' views. Made once: predict asks for it every call
   * (building it, nine closures, took ~10 us of the seed model's ~180 us batch-1 predict).
   */
  get planMemory(): PlanMemory | undefined {
    if (!this.mem.shared) return undefined;
    return (this.planMemoryView ??= this.makePlanMemory());
  }
  private planMemoryView?: PlanMemory;
  private makePlanMemory(): PlanMemory {
    const mem = this.mem;
    return {
      persistent: (bytes) => { const base = mem.reserve(bytes); return { base, buffer: mem.buffer }; },
      workspace: (bytes) => { const { base, version } = mem.workspace(bytes); return { base, version, buffer: mem.buffer }; },
      trace: {
        begin: (keep) => (keep ? mem.beginOverWorkspace(keep) : mem.mark()),
        alloc: (dtype, size) => {
          const at = mem.reserve(size * bytesPerElement(dtype)); // may grow memory: take the buffer after
          return viewArray(dtype, mem.buffer, at, size);
        },
        end: (mark) => mem.release(mark),
      },
      owns: (a) => mem.owns(a),
      usage: () => ({ used: mem.mark(), peak: mem.peak, limit: mem.limit }),
      resetPeak: () => mem.resetPeak(),
    };
  }

  /**
   * Runs body with byte offsets of the inputs and outputs in wasm memory, copying in arrays
   * that live elsewhere and copying results back out.
   */
  inWasm(inputs: Buf[], outputs: Buf[], body: (ins: number[], outs: number[]) => void): void {
    // Plain loops and a method, no closures: a plan's replay makes this call per kernel call.
    const mark = this.mem.mark();
    try {
      const ins: number[] = [], outs: number[] = [];
      for (const a of inputs) ins.push(this.place(a, true));
      for (const a of outputs) outs.push(this.place(a, false));
      body(ins, outs);
      for (let i = 0; i < outputs.length; i++) {
        const a = outputs[i];
        if (!this.mem.owns(a)) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(new Uint8Array(this.mem.buffer, outs[i], a.byteLength));
      }
    } finally {
      this.mem.release(mark);
    }
  }

  /** An array's byte offset in wasm memory: in place, or a scratch copy (with its values when `copy`). */
  private place(a: Buf, copy: boolean): number {
    if (this.mem.owns(a)) return a.byteOffset;
    const at = this.mem.reserve(a.byteLength);
    if (copy) new Uint8Array(this.mem.buffer, at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return at;
  }

  scratch(bytes: number): number { return this.mem.reserve(bytes); }

  /** Sees every parallel job's split before it runs (kernel, items, chunk size, threads): split-recorder.ts. */
  onSplit: ((kernel: string, total: number, chunk: number, threads: number) => void) | null = null;

  /** Runs a parallel kernel over [0, total) in chunks of `chunk` (a multiple of align). */
  par(name: string, args: number[], total: number, align = 1, chunk = this.pool.chunk(total, align)): void {
    if (this.onSplit !== null && total > 0) this.onSplit(name, total, Math.min(chunk, total), this.pool.count);
    const fn = this.mem.exports[name];
    this.pool.run(name, args, total, chunk, (s, e) => fn(...args, s, e));
  }

  /** C = A B (+ a bias row at `bias`, 0 for none); under four rows (batch 1) split between threads by columns. */
  private gemm(a: number, ars: number, acs: number, b: number, c: number, m: number, k: number, n: number, bias = 0): void {
    if (m >= 4) return this.par('gemm', [a, ars, acs, b, c, m, k, n, bias], m, 4);
    const quads = Math.ceil(n / 4);
    this.par('gemmColumns', [a, ars, acs, b, c, m, k, n, bias], quads, 4, m * k * n < CALLING_THREAD_MACS ? quads : undefined);
  }

  /**
   * Copies `blocks` [rows, cols] f32 matrices at `src` to [cols, rows] ones in scratch, in
   * reverse order if `reversed` (a kernel's taps turned 180 degrees).
   */
  private transposeToScratch(src: number, rows: number, cols: number, blocks = 1, reversed = false): number {
    const at = this.scratch(blocks * rows * cols * 4);
    const quads = blocks * Math.ceil(rows / 4); // the range: groups of four rows of every block
    this.par('transposeBlocks', [src, at, rows, cols, blocks, reversed ? 1 : 0], quads, 1, elementChunk((t, a) => this.pool.chunk(t, a), quads, 4 * cols, 1));
    return at;
  }

  override matMul = (a: TypedArray, b: TypedArray, out: TypedArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): void => {
    if (!isF32(a, b, out)) return ref.matMul(a, b, out, batch, m, k, n, transA, transB);
    this.inWasm([a as Buf, b as Buf], [out as Buf], ([pa, pb], [pc]) => {
      for (let t = 0; t < batch; t++) {
        const at = pa + t * m * k * 4, bt = pb + t * k * n * 4, ct = pc + t * m * n * 4;
        const bRowMajor = transB ? this.transposeToScratch(bt, n, k) : bt;
        this.gemm(at, transA ? 1 : k, transA ? m : 1, bRowMajor, ct, m, k, n);
      }
    });
  };

  override conv2d = (x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, info: ConvInfo, prepared: TypedArray | null = null, form: string | null = null): void => {
    if (!isF32(x, w, out, ...(bias ? [bias] : []))) return ref.conv2d(x, w, bias, out, info);
    const inputs = [x, w, ...(bias ? [bias] : [])] as Buf[];
    this.inWasm(inputs, [out as Buf], ([px, pw, pb = 0], [po]) => this.conv.forward(px, pw, pb, po, info, 0, this.preparedAt(prepared, form)));
  };

  override conv2dActivation = (x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, info: ConvInfo, activation: ConvActivation, prepared: TypedArray | null = null, form: string | null = null): void => {
    const act = ACTIVATION_CODES[activation];
    if (!isF32(x, w, out, ...(bias ? [bias] : [])) || !act) return ref.conv2dActivation(x, w, bias, out, info, activation);
    const inputs = [x, w, ...(bias ? [bias] : [])] as Buf[];
    this.inWasm(inputs, [out as Buf], ([px, pw, pb = 0], [po]) => this.conv.forward(px, pw, pb, po, info, act, this.preparedAt(prepared, form)));
  };

  override conv2dResidual = (x: TypedArray, w: TypedArray, bias: TypedArray | null, residual: TypedArray, out: TypedArray, info: ConvInfo, activation: ConvActivation | null, prepared: TypedArray | null = null, form: string | null = null): void => {
    const act = activation === null ? 0 : ACTIVATION_CODES[activation];
    if (!isF32(x, w, residual, out, ...(bias ? [bias] : [])) || act === undefined || residual.length !== out.length) return refConv2dResidual(x, w, bias, residual, out, info, activation);
    const inputs = [x, w, residual, ...(bias ? [bias] : [])] as Buf[];
    this.inWasm(inputs, [out as Buf], ([px, pw, pr, pb = 0], [po]) => this.conv.forwardResidual(px, pw, pb, pr, po, info, act, this.preparedAt(prepared, form)));
  };

  /**
   * Weights prepared once by a plan (compile/prologue.ts): the form the convolution kernels
   * would read them in, with shared memory only (plans use wasm memory in place there).
   */
  preparedConvWeights(kernel: string, info: ConvInfo): { form: string; floats: number } | null {
    const convolution = kernel === 'conv2d' || kernel === 'conv2dActivation' || kernel === 'conv2dResidual' || kernel === 'conv2dMaxPool';
    return convolution && this.mem.shared ? this.conv.preparedForm(info) : null;
  }

  override prepareConvWeights(w: TypedArray, prepared: TypedArray, info: ConvInfo, form: string): void {
    if (!isF32(w, prepared)) throw new Error(`internal error: prepareConvWeights needs float32 arrays, got ${w.constructor.name} and ${prepared.constructor.name}`);
    this.inWasm([w as Buf], [prepared as Buf], ([pw], [pp]) => this.conv.prepare(pw, pp, info, form));
  }

  /** Prepared weights handed to a convolution: where they are in wasm memory, and their form. */
  private preparedAt(prepared: TypedArray | null, form: string | null): Prepared | undefined {
    return prepared && form && this.mem.owns(prepared) ? { at: prepared.byteOffset, form } : undefined;
  }

  override conv2dBackpropFilter = (x: TypedArray, dy: TypedArray, dw: TypedArray, info: ConvInfo): void => {
    if (!isF32(x, dy, dw)) return ref.conv2dBackpropFilter(x, dy, dw, info);
    this.inWasm([x as Buf, dy as Buf], [dw as Buf], ([px, pdy], [pdw]) => this.conv.filterGrad(px, pdy, 0, pdw, info));
  };

  override conv2dBackpropFilterPooled = (x: TypedArray, dyPool: TypedArray, argmax: Int32Array, dw: TypedArray, conv: ConvInfo, pool: PoolInfo): void => {
    if (!isF32(x, dyPool, dw)) return ref.conv2dBackpropFilterPooled(x, dyPool, argmax, dw, conv, pool);
    this.inWasm([x as Buf, dyPool as Buf, argmax], [dw as Buf], ([px, pdy, pa], [pdw]) => {
      if (ConvKernels.oneChannel3x3(conv) && ConvKernels.tiles2x2(conv, pool)) return this.conv.filterGrad(px, pdy, pa, pdw, conv);
      // Otherwise unpool into scratch (wasm memory: nothing allocated per step), then the filter gradient.
      const dy = this.scratch(conv.batch * conv.outH * conv.outW * conv.outC * 4);
      this.conv.poolBackward(pdy, pa, dy, pool);
      this.conv.filterGrad(px, dy, 0, pdw, conv);
    });
  };

  override conv2dBackpropInput = (dy: TypedArray, w: TypedArray, dx: TypedArray, info: ConvInfo): void => {
    if (!isF32(dy, w, dx)) return ref.conv2dBackpropInput(dy, w, dx, info);
    this.inWasm([dy as Buf, w as Buf], [dx as Buf], ([pdy, pw], [pdx]) => this.conv.inputGrad(pdy, pw, pdx, info));
  };

  override conv2dBackpropInputAdd = (dy: TypedArray, w: TypedArray, addend: TypedArray, dx: TypedArray, info: ConvInfo): void => {
    if (!isF32(dy, w, addend, dx) || addend.length !== dx.length) return refInputGradAdd(dy, w, addend, dx, info);
    this.inWasm([dy as Buf, w as Buf, addend as Buf], [dx as Buf], ([pdy, pw, pa], [pdx]) => this.conv.inputGradAdd(pdy, pw, pa, pdx, info));
  };

  override conv2dMaxPool = (x: TypedArray, w: TypedArray, bias: TypedArray | null, out: TypedArray, argmax: Int32Array | null, conv: ConvInfo, pool: PoolInfo, prepared: TypedArray | null = null, form: string | null = null): void => {
    if (!isF32(x, w, out, ...(bias ? [bias] : []))) return ref.conv2dMaxPool(x, w, bias, out, argmax, conv, pool);
    const inputs = [x, w, ...(bias ? [bias] : [])] as Buf[];
    this.inWasm(inputs, [out as Buf, ...(argmax ? [argmax] : [])], ([px, pw, pb = 0], [po, pa = 0]) => this.conv.forwardPooled(px, pw, pb, po, pa, conv, pool, this.preparedAt(prepared, form)));
  };

  override maxPool2d = (x: TypedArray, out: TypedArray, argmax: Int32Array, info: PoolInfo): void => {
    if (!isF32(x, out)) return ref.maxPool2d(x, out, argmax, info);
    const { batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft } = info;
    this.inWasm([x as Buf], [out as Buf, argmax], ([px], [po, pa]) => {
      this.parElements('maxPool', [px, po, pa, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft], batch * outH, inW * channels * poolH);
    });
  };

  override maxPool2dBackward = (dy: TypedArray, argmax: Int32Array, dx: TypedArray, info: PoolInfo): void => {
    if (!isF32(dy, dx)) return ref.maxPool2dBackward(dy, argmax, dx, info);
    this.inWasm([dy as Buf, argmax], [dx as Buf], ([pdy, pa], [pdx]) => this.conv.poolBackward(pdy, pa, pdx, info));
  };

  /**
   * run(start, end) over [0, n) at once, or in pieces of STAGED_PIECE elements where any of the
   * arrays lives outside wasm memory and n is larger: each piece is staged through scratch, so
   * an eager op on a whole dataset in JS memory does not grow wasm memory (which never shrinks)
   * by the dataset's size.
   */
  inPieces(n: number, arrays: TypedArray[], run: (start: number, end: number) => void): void {
    const piece = n > STAGED_PIECE && arrays.some((a) => !this.mem.owns(a)) ? STAGED_PIECE : n;
    for (let s = 0; s < n; s += piece) run(s, Math.min(n, s + piece));
  }

  /** Element-wise work worth a wasm call: arrays already in wasm memory (a plan's), or long ones. */
  private elementwise(...arrays: TypedArray[]): boolean {
    return isF32(...arrays) && (arrays.every((a) => this.mem.owns(a)) || arrays[0].length >= 4096);
  }

  /** A job over n elements (or rows, `cost` floats each), on all threads only when it is big (split-policy.ts#elementChunk). */
  parElements(name: string, args: number[], n: number, cost = 1): void {
    this.par(name, args, n, 4, elementChunk((t, a) => this.pool.chunk(t, a), n, cost));
  }

  override unary = (op: UnaryOp, x: TypedArray, out: TypedArray): void => {
    const code = UNARY_OPS.indexOf(op);
    if (code < 0 || !this.elementwise(x, out)) return refEw.unary(op, x, out);
    this.inPieces(out.length, [x, out], (s, e) => this.inWasm([x.subarray(s, e) as Buf], [out.subarray(s, e) as Buf], ([px], [po]) => this.parElements('unaryF32', [code, px, po], e - s)));
  };

  override binary = (op: BinaryOp, a: TypedArray, aStrides: number[], b: TypedArray, bStrides: number[], out: TypedArray, shape: number[]): void => {
    const r = shape.length, cols = shape[r - 1];
    if (!isF32(a, b, out) || out.length === 0) return refEw.binary(op, a, aStrides, b, bStrides, out, shape);
    // The bias add: a full [rows, cols] operand plus a row broadcast over it.
    if (op === 'add' && r >= 2 && a.length === out.length && b.length === cols && bStrides[r - 1] === 1 && bStrides.slice(0, -1).every((s) => s === 0)) {
      return this.inWasm([a as Buf, b as Buf], [out as Buf], ([pa, pb], [po]) => this.par('addRow', [pa, pb, po, cols], out.length / cols));
    }
    // Same-shape operands, or one of them a single value.
    const code = BINARY_OPS.indexOf(op);
    const [aFull, bFull] = [isFull(aStrides, shape), isFull(bStrides, shape)];
    const mode = aFull && bFull ? 0 : aFull && isOne(bStrides, shape) ? 1 : bFull && isOne(aStrides, shape) ? 2 : -1;
    if (code >= 0 && mode < 0 && r <= 4 && out.length > 0 && this.elementwise(out, a, b)) return this.binaryStrided(code, a, aStrides, b, bStrides, out, shape);
    if (code < 0 || mode < 0 || !this.elementwise(out, a, b)) return refEw.binary(op, a, aStrides, b, bStrides, out, shape);
    // mode 1: b is one value, 2: a is (kept whole in every piece).
    this.inPieces(out.length, [a, b, out], (s, e) => this.inWasm([(mode === 2 ? a : a.subarray(s, e)) as Buf, (mode === 1 ? b : b.subarray(s, e)) as Buf], [out.subarray(s, e) as Buf],
      ([pa, pb], [po]) => this.parElements('binaryF32', [code, pa, pb, po, mode], e - s)));
  };

  override concatInto = (x: TypedArray, out: TypedArray, outer: number, xInner: number, outInner: number, offset: number): void => {
    // In place when both live in wasm memory (compiled plans); a copy in and out would cost more than the copy itself.
    if (!this.mem.owns(x) || !this.mem.owns(out) || x.BYTES_PER_ELEMENT !== out.BYTES_PER_ELEMENT) return refEw.concatInto(x, out, outer, xInner, outInner, offset);
    const bytes = x.BYTES_PER_ELEMENT;
    this.parElements('concatRows', [x.byteOffset, out.byteOffset, xInner * bytes, outInner * bytes, offset * bytes], outer, xInner);
  };

  override softmax = (x: TypedArray, out: TypedArray, rows: number, cols: number): void => this.softmaxRows(x, out, rows, cols, false);
  override logSoftmax = (x: TypedArray, out: TypedArray, rows: number, cols: number): void => this.softmaxRows(x, out, rows, cols, true);

  private softmaxRows(x: TypedArray, out: TypedArray, rows: number, cols: number, log: boolean): void {
    if (!this.elementwise(x, out)) return (log ? ref.logSoftmax : ref.softmax)(x, out, rows, cols);
    this.inWasm([x as Buf], [out as Buf], ([px], [po]) => this.parElements('softmaxRows', [px, po, 0, 0, cols, log ? 1 : 0], rows, cols));
  }

  override sparseSoftmaxCrossEntropy = (logits: TypedArray, labels: TypedArray, loss: TypedArray, probs: TypedArray, rows: number, cols: number): void => {
    if (!(labels instanceof Int32Array) || !this.elementwise(logits, loss, probs)) return ref.sparseSoftmaxCrossEntropy(logits, labels, loss, probs, rows, cols);
    this.inWasm([logits as Buf, labels], [loss as Buf, probs as Buf], ([px, pl], [ploss, pp]) =>
      this.parElements('softmaxRows', [px, pp, pl, ploss, cols, 0], rows, cols));
  };

  override sparseSoftmaxCrossEntropyGrad = (probs: TypedArray, labels: TypedArray, dy: TypedArray, dlogits: TypedArray, rows: number, cols: number): void => {
    if (!(labels instanceof Int32Array) || !this.elementwise(probs, dy, dlogits)) return ref.sparseSoftmaxCrossEntropyGrad(probs, labels, dy, dlogits, rows, cols);
    this.inWasm([probs as Buf, labels, dy as Buf], [dlogits as Buf], ([pp, pl, pdy], [pd]) =>
      this.parElements('softmaxCrossEntropyGrad', [pp, pl, pdy, pd, cols], rows, cols));
  };

  // Optimizer updates in place: see ./optimizers.ts.
  override adam = (...a: Parameters<Backend['adam']>): void => opt.adam(this, ...a);
  override sgd = (...a: Parameters<Backend['sgd']>): void => opt.sgd(this, ...a);
  override rmsprop = (...a: Parameters<Backend['rmsprop']>): void => opt.rmsprop(this, ...a);
  override rmspropCentered = (...a: Parameters<Backend['rmspropCentered']>): void => opt.rmspropCentered(this, ...a);
  override adagrad = (...a: Parameters<Backend['adagrad']>): void => opt.adagrad(this, ...a);
  override adadelta = (...a: Parameters<Backend['adadelta']>): void => opt.adadelta(this, ...a);
  override adamax = (...a: Parameters<Backend['adamax']>): void => opt.adamax(this, ...a);
  override nadam = (...a: Parameters<Backend['nadam']>): void => opt.nadam(this, ...a);
  override lion = (...a: Parameters<Backend['lion']>): void => opt.lion(this, ...a);
  override ftrl = (...a: Parameters<Backend['ftrl']>): void => opt.ftrl(this, ...a);
  override emaUpdate = (...a: Parameters<Backend['emaUpdate']>): void => opt.emaUpdate(this, ...a);

  override reduce = (op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void => {
    if (!isF32(x, out) || size === 0) return refEw.reduce(op, x, out, outer, size, inner);
    // Any other float32 reduction (row sums of a layer norm, global pooling's max): one job per outer row.
    if (op !== 'sum' || outer !== 1 || inner < 4) {
      return this.inWasm([x as Buf], [out as Buf], ([px], [po]) => this.parElements('reduceMiddle', [['sum', 'max', 'min'].indexOf(op), px, po, size, inner], outer, size * inner));
    }
    // Column sums of a [size, inner] matrix: the bias gradient (threads over rows: ./norm.ts).
    this.inWasm([x as Buf], [out as Buf], ([px], [po]) => norm.columnSums(this, px, po, size, inner));
  };

  // Randomness, moving averages and batch normalization: see ./norm.ts.
  override random = (...a: Parameters<Backend['random']>): void => norm.random(this, ...a);
  override movingAverage = (...a: Parameters<Backend['movingAverage']>): void => norm.movingAverage(this, ...a);
  override batchNorm = (...a: Parameters<Backend['batchNorm']>): void => norm.batchNorm(this, ...a);
  override batchNormGrad = (x: TypedArray, dy: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null, dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, C: number, epsilon: number): void =>
    normTrain.batchNormGradMasked(this, x, dy, null, mean, variance, gamma, dx, dgamma, dbeta, rows, C, epsilon);
  override batchNormActivation = (...a: Parameters<Backend['batchNormActivation']>): void => normTrain.batchNormActivation(this, ...a);
  override batchNormResidualActivation = (...a: Parameters<Backend['batchNormResidualActivation']>): void => normTrain.batchNormResidualActivation(this, ...a);
  override batchNormActivationGrad = (x: TypedArray, dy: TypedArray, y: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | null, dx: TypedArray, dgamma: TypedArray, dbeta: TypedArray, rows: number, C: number, epsilon: number, activation: ConvActivation,
    coefficients: TypedArray | null = null): void => normTrain.batchNormGradMasked(this, x, dy, y, mean, variance, gamma, dx, dgamma, dbeta, rows, C, epsilon, activation, coefficients);
  override channelAffine = (...a: Parameters<Backend['channelAffine']>): void => norm.channelAffine(this, ...a);
  override bnInferenceFactors = (...a: Parameters<Backend['bnInferenceFactors']>): void => bnInferenceFactors(this, ...a);
  // Projective image transforms (the augmentation layers): see ./transform.ts.
  override imageTransform = (...a: Parameters<Backend['imageTransform']>): void => transform.imageTransform(this, ...a);
  override imageTransformBackward = (...a: Parameters<Backend['imageTransformBackward']>): void => transform.imageTransformBackward(this, ...a);

  /** Chunk size for a parallel job over `total` items (what par() uses by default). */
  chunkOf(total: number, align = 1): number { return this.pool.chunk(total, align); }

  // Average pooling, resizing, casts, slices and transposes: see ./spatial.ts and ./copies.ts.
  override avgPool2d = (...a: Parameters<Backend['avgPool2d']>): void => spatial.avgPool2d(this, ...a);
  override avgPool2dBackward = (...a: Parameters<Backend['avgPool2dBackward']>): void => spatial.avgPool2dBackward(this, ...a);
  override resize = (...a: Parameters<Backend['resize']>): void => spatial.resize(this, ...a);
  override resizeBackward = (...a: Parameters<Backend['resizeBackward']>): void => spatial.resizeBackward(this, ...a);
  override cast = (...a: Parameters<Backend['cast']>): void => copies.cast(this, ...a);
  override oneHot = (...a: Parameters<Backend['oneHot']>): void => copies.oneHot(this, ...a);
  override slice = (...a: Parameters<Backend['slice']>): void => copies.slice(this, ...a);
  override sliceGrad = (...a: Parameters<Backend['sliceGrad']>): void => copies.sliceGrad(this, ...a);
  override transpose = (...a: Parameters<Backend['transpose']>): void => copies.transpose(this, ...a);
  // Embedding's lookup and its gradient: see ./gather.ts.
  override gather = (...a: Parameters<Backend['gather']>): void => gathers.gather(this, ...a);
  override gatherGrad = (...a: Parameters<Backend['gatherGrad']>): void => gathers.gatherGrad(this, ...a);

  /** Broadcasting arithmetic of rank <= 4 other than the bias-add and scalar forms (layer norm's statistics, PReLU's alpha). */
  private binaryStrided(code: number, a: TypedArray, aStrides: number[], b: TypedArray, bStrides: number[], out: TypedArray, shape: number[]): void {
    const lead = 4 - shape.length, s4 = [...Array<number>(lead).fill(1), ...shape];
    const pad = (st: number[]): number[] => [...Array<number>(lead).fill(0), ...st];
    this.inWasm([a as Buf, b as Buf], [out as Buf], ([pa, pb], [po]) =>
      this.parElements('binaryStrided', [code, pa, pb, po, s4[1], s4[2], s4[3], ...pad(aStrides), ...pad(bStrides)], s4[0], s4[1] * s4[2] * s4[3]));
  }
}
