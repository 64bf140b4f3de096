export { Layer, type LayerArgs, type ShapeSpec, type CallArgs } from './layer.ts';
export { Input, Reshape, Flatten, Dense, Activation } from './core.ts';
export { Conv2D, MaxPooling2D } from './convolutional.ts';
export { initializers, getInitializer } from './initializers.ts';
export { activations } from './activations.ts';
export { registerLayers, checkOptions } from './registry.ts';
export { Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout } from './regularization.ts';
export { BatchNormalization } from './normalization.ts';
