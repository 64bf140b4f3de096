// TensorFlow.js's spellings: a lowercase factory per layer class (layers.conv2d({...}) is
// new Conv2D({...})), so a TF.js program ports by changing its import. Each is made from its
// class by `factory`; test/functional.test.ts checks that every registered class has one.
import type { Layer } from './layer.ts';
import { Input, Reshape, Flatten, Dense, Activation } from './core.ts';
import { Conv2D, MaxPooling2D } from './convolutional.ts';
import { RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom } from './augmentation.ts';

type LayerCtor = abstract new (args: never) => Layer;
/** The factory for a layer class: args => new Class(args), typed as the constructor. */
export function factory<C extends new (...args: never[]) => Layer>(cls: C): (...args: ConstructorParameters<C>) => InstanceType<C> {
  return (...args) => new cls(...args) as InstanceType<C>;
}
/** TF.js's name for a class's factory: Conv2D -> conv2d, MaxPooling2D -> maxPooling2d. */
export const factoryName = (className: string): string =>
  className.charAt(0).toLowerCase() + className.slice(1).replace(/(\d)D/g, '$1d');
export type { LayerCtor };

export const inputLayer = factory(Input);
export const reshape = factory(Reshape);
export const flatten = factory(Flatten);
export const dense = factory(Dense);
export const activation = factory(Activation);
export const conv2d = factory(Conv2D);
export const maxPooling2d = factory(MaxPooling2D);
/** TF.js's alias. */
export const maxPool2d = maxPooling2d;
export const randomFlip = factory(RandomFlip);
export const randomTranslation = factory(RandomTranslation);
export const randomZoom = factory(RandomZoom);
export const randomRotation = factory(RandomRotation);
export const randomCrop = factory(RandomCrop);
export const randomContrast = factory(RandomContrast);
export const randomBrightness = factory(RandomBrightness);
