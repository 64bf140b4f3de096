// Plan rewrite for a convolution in front of a BatchNormalization in training: conv2d(x, w, b,
// y) whose output only the BN's forward (batchNorm, batchNormActivation or
// batchNormResidualActivation, after fusions-norm.ts) and the BN's gradient read becomes
// conv2dBatchStats(x, w, b, y, info, statistics), and the BN forward takes `statistics` (a
// buffer added here: js/norm-stats.ts's record of y's mean and variance) instead of a pass of
// its own over y. Where the backend's kernel sums them in its epilogue (wasm: the pointwise
// GEMM, each block of rows as it is written), y is read once less per step.
import type { TypedArray } from '../core/dtype.ts';
import type { ConvInfo, KernelName } from '../backends/backend.ts';
import { statisticsFloats } from '../backends/js/norm-stats.ts';
import { isArray, newBuffer, type Call, type Fusion } from './fusion-tools.ts';

/** The BN forwards that may take statistics, each with the argument index of `statistics` (x is argument 0, channels the index given). */
const FORWARDS: Partial<Record<KernelName, { statistics: number; channels: number }>> = {
  batchNorm: { statistics: 9, channels: 7 },
  batchNormActivation: { statistics: 11, channels: 7 },
  batchNormResidualActivation: { statistics: 11, channels: 8 },
};
/** The BN gradients, which read the BN's input x (argument 0) and nothing else of the convolution's. */
const GRADIENTS = new Set<KernelName>(['batchNormGrad', 'batchNormActivationGrad']);

/** Tunables, changed by benchmarks and tests only. */
export const bnStatsTuning = {
  /** Whether training plans take the batch statistics from the convolution (false: the BN's own pass; the A/B knob). */
  enabled: true,
};

export const convBatchStats: Fusion = {
  name: 'conv2d -> batchNorm statistics',
  rewrite(calls, kept) {
    if (!bnStatsTuning.enabled) return calls;
    // Every call naming each buffer, and where.
    const readers = new Map<TypedArray, { call: Call; index: number }[]>();
    for (const call of calls) call.args.forEach((a, index) => { if (isArray(a)) readers.set(a, [...(readers.get(a) ?? []), { call, index }]); });
    const replace = new Map<Call, Call>();
    for (const conv of calls) {
      if (conv.kernel !== 'conv2d') continue;
      const y = conv.args[3], info = conv.args[4] as ConvInfo;
      if (!isArray(y) || kept.has(y)) continue;
      const others = (readers.get(y) ?? []).filter((r) => r.call !== conv);
      const forwards = others.filter((r) => r.index === 0 && FORWARDS[r.call.kernel] !== undefined);
      if (forwards.length !== 1 || replace.has(forwards[0].call)) continue;
      if (!others.every((r) => r === forwards[0] || (r.index === 0 && GRADIENTS.has(r.call.kernel)))) continue;
      const bn = forwards[0].call, at = FORWARDS[bn.kernel]!;
      // The BN's channels are the convolution's output channels, and it has no statistics yet; the conv comes first.
      if (bn.args[at.channels] !== info.outC || (bn.args[at.statistics] ?? null) !== null || calls.indexOf(bn) < calls.indexOf(conv)) continue;
      const statistics = newBuffer(y, statisticsFloats(info.outC));
      const [x, w, bias, , , prepared = null, form = null] = conv.args;
      replace.set(conv, { kernel: 'conv2dBatchStats', args: [x, w, bias, y, info, statistics, prepared, form] });
      const args = [...bn.args];
      while (args.length < at.statistics) args.push(null);
      args[at.statistics] = statistics;
      replace.set(bn, { kernel: bn.kernel, args });
    }
    return calls.map((c) => replace.get(c) ?? c);
  },
};
