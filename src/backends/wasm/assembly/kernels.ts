// WebAssembly kernels, written in AssemblyScript with 128-bit SIMD. All pointers are byte
// offsets into the one (imported) memory; all data is f32 unless named otherwise.
// The GEMM's 4x8 register tile is the workhorse, inside the convolutions as well.

export { gemm, gemmColumns, fmaPeak } from './gemm';
export { gemmWide } from './gemm-wide';
export { streamLimit } from './bandwidth';
export { convGemm, convDirect, convPool, convPoolDirect, packPanels } from './conv';
export { dwConv, dwFilterGrad, dwInputGrad, copyChannels } from './depthwise';
export { winogradConv } from './winograd';
export { winograd4Conv, winograd4Weights, inputTransform as winograd4InputTransform, outputTransform as winograd4OutputTransform } from './winograd4';
export { winograd4ConvColumns } from './winograd4-columns';
export { convDirectResidual, residualActivate } from './conv-residual';
export { padImages, convColumns, convPoolColumns } from './conv-columns';
export { winogradWeights } from './winograd-weights';
export { convOneFilter } from './conv-one-filter';
export { convPool3x3C1 } from './conv-stem';
export { convStemGemm } from './conv-stem-gemm';
export { pointwiseGemm, packPanelsTransposed } from './pointwise';
export { dwFilterGrad3x3 } from './depthwise-grad';
export { dwConv3x3, dwInputGrad3x3s2 } from './depthwise3x3';
export { dwFilterGrad3x3InPlace } from './depthwise3x3-grad';
export { convFilterGradPacked, convFilterGradNarrow } from './conv-filter-grad';
export { convFilterGradC3 } from './conv-filter-grad-c3';
export { winogradFilterGrad, winogradFilterGradOutput } from './winograd-filter-grad';
export { winogradFilterGrad4, winogradFilterGrad4Output } from './winograd-filter-grad4';
export { convFilterGrad, convFilterGradDirect, convInputGrad, convInputGradDirect, convFilterGrad3x3C1 } from './conv-grad';
export { maxPool, maxPoolBackward, maxPoolBackwardTiled } from './pool';
export { addRow, sumRows, columnSums, adam, adamRange, sgd, rmsprop, concatRows } from './elementwise';
export { unaryF32, binaryF32, binaryStrided, softmaxRows, softmaxCrossEntropyGrad } from './activations';
export { randomFill, movingAverage } from './random';
export { affineRows, bnShiftedSums } from './norm';
export { bnInferenceFactors } from './norm-factors';
export { bnGradSumsMasked, bnGradSumsFromInput, affineRowsMasked, affineRowsFromInput, affineRowsResidual } from './norm-train';
export { avgPool, avgPoolBackward, resize, resizeBackward, resizeNearestGather, avgPoolGather } from './spatial';
export { adagrad, adadelta, adamax, nadam, lion, ftrl, emaUpdate, rmspropCentered } from './optimizers';
export { castU8F32, oneHotI32, copyBlock, transpose4, transposeBlocks, reduceMiddle } from './convert';
export { imageTransform, imageTransformBackward } from './transform';
export { castF32I32, gatherRows, gatherRowsGrad } from './gather';
