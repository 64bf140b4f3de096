// WebAssembly kernels, written in AssemblyScript with 128-bit SIMD. All pointers are byte
// offsets into the one (imported) memory; all data is f32 unless named otherwise.
// The GEMM is the workhorse: convolutions become im2col + GEMM (and GEMM + col2im).

export { gemm, fmaPeak } from './gemm';
export { convGemm, convFilterGrad, convFilterGradDirect, convInputGrad, convInputGradDirect, convDirect, convPool, convPoolDirect, convPool3x3C1, convFilterGrad3x3C1 } from './conv';
export { maxPool, maxPoolBackward, maxPoolBackwardTiled } from './pool';
export { addRow, sumRows, adam, sgd, rmsprop } from './elementwise';
export { unaryF32, binaryF32, softmaxRows, softmaxCrossEntropyGrad } from './activations';
