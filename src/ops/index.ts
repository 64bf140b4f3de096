// The op library: functions on tensors, each recording itself for autograd.
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './layout.ts';
export * from './conv.ts';
export * from './conv-variants.ts';
export * from './conv3d.ts';
export * from './nn.ts';
export * from './random.ts';
export * from './norm.ts';
export * from './concat.ts';
export * from './spatial.ts';
export * from './pool3d.ts';
export * from './activations.ts';
export * from './image-transform.ts';
export * from './math.ts';
export * from './indexing.ts';
export * from './linalg.ts';
export * from './selection.ts';
export * from './blocks.ts';
export * from './cumulative.ts';
export * from './custom-grad.ts';
export * from './scatter.ts';
export * from './misc-tfjs.ts';
export * from './pooling-tfjs.ts';
import './tensor-methods.ts'; // x.add(y) and the other methods of Tensor
