// Plan rewrites: where a recorded list of kernel calls can do less work for the same result.
// The table at the bottom lists them; each is a pattern over the calls (a kernel, and the
// calls that read what it writes), a condition (the intermediate buffer has no other reader
// and is not a result of the step), and the call that replaces them. They run in order, each
// on the previous one's output. A new fusion is one entry plus a conformance test against the
// unfused calls (test/backends.test.ts).
import type { TypedArray } from '../core/dtype.ts';
import { KERNEL_OUTPUTS, type ConvActivation, type ConvInfo, type PoolInfo } from '../backends/backend.ts';
import { activationGradOf, activationOf, EPILOGUE_GRAD, isArray, newBuffer, onlyOneReader, useCounts, type Call, type Fusion } from './fusion-tools.ts';
export { fusionBuffers, isArray, type Call, type Fusion } from './fusion-tools.ts';
import { batchNormIntoConv, residualIntoConv } from './fusions-inference.ts';
import { bnActivation, bnResidualActivation } from './fusions-norm.ts';
import { bnFactorsChain } from './fusions-bn-factors.ts';
import { inputGradAdd } from './fusions-grad.ts';

/** The max-pooling backward calls, by the input gradient each writes. */
function poolBackwardsByOutput(calls: Call[]): Map<TypedArray, Call> {
  const m = new Map<TypedArray, Call>();
  for (const c of calls) if (c.kernel === 'maxPool2dBackward') m.set(c.args[2] as TypedArray, c);
  return m;
}

/**
 * Each conv2d whose output one later call alone reads, and that call matches `reads`: the two
 * become `merge(conv, reader)` (the convolution's output is never stored).
 */
function fuseConvWith(calls: Call[], kept: Set<TypedArray>, reads: (c: Call, y: TypedArray) => boolean, merge: (conv: Call, reader: Call) => Call | null): Call[] {
  const uses = useCounts(calls);
  const dropped = new Set<number>();
  const out = calls.map((call, i) => {
    if (call.kernel !== 'conv2d') return call;
    const y = call.args[3];
    if (!onlyOneReader(y, uses, kept)) return call;
    const j = calls.findIndex((c, k) => k > i && reads(c, y));
    if (j < 0) return call;
    const merged = merge(call, calls[j]);
    if (!merged) return call;
    dropped.add(j);
    return merged;
  });
  return out.filter((_, i) => !dropped.has(i));
}

/**
 * Whether a pooling reads the convolution's output as the convolution wrote it: a reshape
 * between them (conv3d's [n * d, h, w, f] output pooled as [n, d, h, w * f]) is no call in a
 * plan, so the same array can arrive under another geometry, which the fused kernels cannot take.
 */
const poolsConvOutput = (conv: ConvInfo, pool: PoolInfo): boolean =>
  pool.batch === conv.batch && pool.inH === conv.outH && pool.inW === conv.outW && pool.channels === conv.outC;

/**
 * conv2d -> maxPool2d: one conv2dMaxPool call; the convolution's output is never stored (the
 * backward pass needs only the pooling's argmax).
 */
const convMaxPool: Fusion = {
  name: 'conv2d + maxPool2d',
  rewrite: (calls, kept) => fuseConvWith(calls, kept, (c, y) => c.kernel === 'maxPool2d' && c.args[0] === y, (conv, pool) => {
    if (!poolsConvOutput(conv.args[4] as ConvInfo, pool.args[3] as PoolInfo)) return null;
    const [x, w, bias, , info] = conv.args;
    const [, pooled, argmax, poolInfo] = pool.args;
    return { kernel: 'conv2dMaxPool', args: [x, w, bias, pooled, argmax, info, poolInfo] };
  }),
};

/**
 * A bias gradient (column sums) of a max-pooling's input gradient equals the column sums of
 * the pooling's output gradient, four times smaller: each of its values lands exactly once.
 */
const biasGradBehindPool: Fusion = {
  name: 'maxPool2dBackward -> bias gradient',
  rewrite(calls) {
    const pools = poolBackwardsByOutput(calls);
    return calls.map((call) => {
      const [op, x, y, outer, , inner] = call.args as [string, TypedArray, TypedArray, number, number, number];
      const pool = call.kernel === 'reduce' && op === 'sum' && outer === 1 ? pools.get(x) : undefined;
      if (!pool || (pool.args[3] as PoolInfo).channels !== inner) return call;
      const dy = pool.args[0] as TypedArray;
      return { kernel: 'reduce' as const, args: ['sum', dy, y, 1, dy.length / inner, inner] };
    });
  },
};

/**
 * A max-pooling's input gradient that only a filter gradient reads is never stored: the
 * filter gradient takes the pooling's output gradient and argmax instead.
 */
const filterGradBehindPool: Fusion = {
  name: 'maxPool2dBackward -> conv2dBackpropFilter',
  rewrite(calls, kept) {
    const pools = poolBackwardsByOutput(calls);
    const uses = useCounts(calls);
    const gone = new Set<Call>();
    const out = calls.map((call) => {
      if (call.kernel !== 'conv2dBackpropFilter') return call;
      const [x, d, dw, conv] = call.args;
      const pool = pools.get(d as TypedArray);
      if (!pool || !onlyOneReader(d, uses, kept) || !poolsConvOutput(conv as ConvInfo, pool.args[3] as PoolInfo)) return call;
      gone.add(pool);
      const [dyPool, argmax, , poolInfo] = pool.args;
      return { kernel: 'conv2dBackpropFilterPooled' as const, args: [x, dyPool, argmax, dw, conv, poolInfo] };
    });
    return out.filter((c) => !gone.has(c));
  },
};

/**
 * conv2d -> relu (or relu6): one conv2dActivation call, the activation applied as the output
 * is written (the epilogue); the convolution's own output is never stored. Needs the
 * activation's gradient to read its output, not its input (ops/elementwise.ts), or the input
 * would have a second reader. Any convolution the conv2d kernel runs, depthwise included.
 */
const convActivation: Fusion = {
  name: 'conv2d + relu / relu6',
  rewrite: (calls, kept) => fuseConvWith(calls, kept, (c, y) => activationOf(c, y) !== undefined, (conv, act) => {
    const [x, w, bias, , info] = conv.args;
    return { kernel: 'conv2dActivation', args: [x, w, bias, act.args[2], info, act.args[0]] };
  }),
};

/**
 * relu -> maxPool2d, the relu's input made by a convolution: max pooling commutes with relu
 * (with any non-decreasing activation: relu6 too), so the relu moves behind the pooling (a quarter of the work for 2x2 windows) and the
 * convolution and pooling fuse into conv2dMaxPool. Backward, reluGrad(unpooled gradient, r)
 * at full size equals the unpooled reluGrad(pooled gradient, pooled): unpooling puts each window's gradient at its argmax, where r equals the
 * window's max. Where a window's max is <= 0 both give 0, so which element argmax names there
 * does not matter; for relu6 the same where the max is >= 6 (both masks are 0 there). Only for 2x2, stride-2 pooling that tiles the convolution's output (what
 * conv2dMaxPool's kernels fuse).
 */
const reluBehindPool: Fusion = {
  name: 'conv2d + relu / relu6 + maxPool2d -> conv2dMaxPool + relu / relu6',
  rewrite(calls, kept) {
    let out = calls;
    const producers = new Map<TypedArray, Call>();
    for (const c of out) for (const j of KERNEL_OUTPUTS[c.kernel]) if (isArray(c.args[j])) producers.set(c.args[j] as TypedArray, c);
    const pools = out.filter((c) => c.kernel === 'maxPool2d');
    for (const pool of pools) {
      const [r, p, argmax, poolInfo] = pool.args as [TypedArray, TypedArray, Int32Array, PoolInfo];
      const conv = producers.get(r);
      if (!conv || conv.kernel !== 'conv2dActivation' || kept.has(r) || kept.has(p)) continue;
      const act = conv.args[5] as ConvActivation;
      const info = conv.args[4] as ConvInfo;
      const tiles = poolInfo.poolH === 2 && poolInfo.poolW === 2 && poolInfo.strideH === 2 && poolInfo.strideW === 2 &&
        poolInfo.padTop === 0 && poolInfo.padLeft === 0 && info.outH % 2 === 0 && info.outW % 2 === 0 && info.outC % 4 === 0 && info.groups === 1;
      if (!tiles || !poolsConvOutput(info, poolInfo)) continue;
      // Backward: maxPool2dBackward(dp, argmax, dr), activationGrad(dr, r, dy) -> activationGrad(dp, p, dp'), maxPool2dBackward(dp', argmax, dy).
      const uses = useCounts(out);
      const readers = out.filter((c) => c !== pool && c !== conv && c.args.includes(r));
      const grad = readers.length === 1 && activationGradOf(readers[0], act, r) ? readers[0] : undefined;
      if (readers.length > 0 && !grad) continue;
      let rewritten = out;
      if (grad) {
        const dr = grad.args[1] as TypedArray, dy = grad.args[5] as TypedArray;
        const back = out.find((c) => c.kernel === 'maxPool2dBackward' && c.args[2] === dr && c.args[1] === argmax);
        if (!back || !onlyOneReader(dr, uses, kept) || dr.length !== dy.length || r.length !== dy.length) continue;
        const dp = back.args[0] as TypedArray, shape = [p.length], full = [1];
        const masked = newBuffer(dp, p.length);
        rewritten = out.flatMap((c) => {
          if (c === back) return [];
          if (c !== grad) return [c];
          return [
            { kernel: 'binary' as const, args: [EPILOGUE_GRAD[act], dp, full, p, full, masked, shape] },
            { kernel: 'maxPool2dBackward' as const, args: [masked, argmax, dy, poolInfo] },
          ];
        });
      }
      // Forward: conv2dActivation(x, w, b, r, act), maxPool2d(r, p, argmax) -> conv2dMaxPool(x, w, b, p', argmax), act(p', p).
      const [x, w, bias] = conv.args;
      const pooled = newBuffer(p, p.length);
      out = rewritten.flatMap((c) => {
        if (c === conv) return [];
        if (c !== pool) return [c];
        return [
          { kernel: 'conv2dMaxPool' as const, args: [x, w, bias, pooled, argmax, info, poolInfo] },
          { kernel: 'unary' as const, args: [act, pooled, p] },
        ];
      });
    }
    return out;
  },
};

/** The rewrites, in the order they run. */
/** A/B flag for benchmarks (bench/stem-ab.ts): dropUnreadArgmax off keeps every argmax. */
export const poolFusionTuning = { dropUnreadArgmax: true };

/**
 * A conv2dMaxPool whose argmax no other call reads (an inference plan has no backward pass)
 * gets null for it: the one-channel 3x3 kernel then skips the index work (12-32% of its time,
 * bench/small-convs.ts --compare argmax), and the plan places no argmax buffer. Last, after the fusions that make these calls.
 */
const unreadArgmax: Fusion = {
  name: 'conv2dMaxPool: no argmax where none reads it',
  rewrite: (calls, kept) => {
    if (!poolFusionTuning.dropUnreadArgmax) return calls;
    const uses = useCounts(calls);
    return calls.map((c) => {
      const argmax = c.args[4];
      if (c.kernel !== 'conv2dMaxPool' || !isArray(argmax) || kept.has(argmax) || uses.get(argmax) !== 1) return c;
      return { ...c, args: c.args.map((a, i) => (i === 4 ? null : a)) };
    });
  },
};

export const FUSIONS: readonly Fusion[] = [batchNormIntoConv, residualIntoConv, convMaxPool, convActivation, reluBehindPool, biasGradBehindPool, filterGradBehindPool, bnResidualActivation, bnActivation, bnFactorsChain, inputGradAdd, unreadArgmax];

export const fuse = (calls: Call[], kept: Set<TypedArray>): Call[] => FUSIONS.reduce((c, f) => f.rewrite(c, kept), calls);
