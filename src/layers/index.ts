export { Layer, type LayerArgs, type ShapeSpec, type CallArgs } from './layer.ts';
export { Input, Reshape, Flatten, Dense, Activation } from './core.ts';
export { Conv2D, MaxPooling2D } from './convolutional.ts';
export { DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, Conv1D } from './conv-variants.ts';
export { initializers, getInitializer } from './initializers.ts';
export { activations } from './activations.ts';
export { registerLayers, checkOptions } from './registry.ts';
