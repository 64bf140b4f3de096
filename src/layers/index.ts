export { Layer, type LayerArgs, type ShapeSpec, type CallArgs } from './layer.ts';
export { Input, Reshape, Flatten, Dense, Activation } from './core.ts';
export { Conv2D, MaxPooling2D } from './convolutional.ts';
export { initializers, getInitializer } from './initializers.ts';
export { activations } from './activations.ts';
export { registerLayers, checkOptions } from './registry.ts';
export { AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalMaxPooling1D } from './pooling.ts';
export { ZeroPadding2D, Cropping2D, UpSampling2D, Permute, RepeatVector } from './reshaping.ts';
export { ReLU, LeakyReLU, PReLU, ELU, Softmax } from './advanced-activations.ts';
