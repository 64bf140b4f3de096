export { Layer, type LayerArgs, type ShapeSpec, type CallArgs, type WeightSpec } from './layer.ts';
export { SymbolicTensor, Node } from './symbolic.ts';
export { Input, input, Reshape, Flatten, Dense, Activation } from './core.ts';
export { Conv2D, MaxPooling2D } from './convolutional.ts';
export { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, add, subtract, multiply, average, maximum, minimum, concatenate, dot } from './merge.ts';
export * from './factories.ts';
export { initializers, getInitializer } from './initializers.ts';
export { activations } from './activations.ts';
export { registerLayers, checkOptions } from './registry.ts';
