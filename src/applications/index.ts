// Keras's applications: the classic ImageNet convnets by their Keras names and layer names, each
// with the input preprocessing its weights expect. Every builder is async: 'imagenet' weights
// (Keras's own files, fetched once into the cache) or a weights file load before it returns.
import type { Tensor } from '../core/tensor.ts';
import { decodePredictions, preprocessInput, type PreprocessArgs } from './imagenet-utils.ts';

export { VGG16, VGG19 } from './vgg.ts';
export { ResNet50, ResNet101, ResNet152, ResNet50V2, ResNet101V2, ResNet152V2 } from './resnet.ts';
export { DenseNet121, DenseNet169, DenseNet201 } from './densenet.ts';
export { MobileNet, MobileNetV2, type MobileNetArgs, type MobileNetV2Args } from './mobilenet.ts';
export type { ApplicationArgs } from './common.ts';
export type { DecodeArgs, DecodedPrediction, PreprocessArgs, PreprocessMode } from './imagenet-utils.ts';

type Format = Omit<PreprocessArgs, 'mode'>;
const withMode = (mode: PreprocessArgs['mode']) => (x: Tensor, args: Format = {}): Tensor => {
  if (args && 'mode' in args) throw new Error(`preprocessInput: this application's mode is '${mode}'; use applications.imagenetUtils.preprocessInput for another`);
  return preprocessInput(x, { ...args, mode });
};
const caffe = { preprocessInput: withMode('caffe'), decodePredictions };
const tfMode = { preprocessInput: withMode('tf'), decodePredictions };
const torchMode = { preprocessInput: withMode('torch'), decodePredictions };

/** keras.applications.imagenet_utils. */
export const imagenetUtils = { preprocessInput, decodePredictions };
/** Each family's preprocess_input / decode_predictions (keras.applications.vgg16, ...). */
export const vgg16 = caffe, vgg19 = caffe, resnet = caffe, resnet50 = caffe;
export const resnetV2 = tfMode, mobilenet = tfMode, mobilenetV2 = tfMode;
export const densenet = torchMode;
