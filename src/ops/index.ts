// The op library: functions on tensors, each recording itself for autograd.
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './layout.ts';
export * from './conv.ts';
export * from './nn.ts';
export * from './spatial.ts';
export * from './activations.ts';
