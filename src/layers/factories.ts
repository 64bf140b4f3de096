// TensorFlow.js's spellings: a lowercase factory per layer class (layers.conv2d({...}) is
// new Conv2D({...})), so a TF.js program ports by changing its import. Each is made from its
// class by `factory`; test/functional.test.ts checks that every registered class has one.
import type { Layer } from './layer.ts';
import { Input, Reshape, Flatten, Dense, Activation } from './core.ts';
import { Conv2D, MaxPooling2D } from './convolutional.ts';
import { AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D } from './pooling.ts';
import { BatchNormalization } from './normalization.ts';
import { Conv1D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from './conv-variants.ts';
import { Conv3D, Conv3DTranspose } from './conv3d.ts';
import { Conv1DTranspose, DepthwiseConv1D, SeparableConv1D } from './conv1d-variants.ts';
import { Embedding } from './embedding.ts';
import { Identity, UnitNormalization } from './unit-norm.ts';
import { Cropping2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D } from './reshaping.ts';
import { AlphaDropout, Dropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D } from './regularization.ts';
import { Cropping1D, UpSampling1D, ZeroPadding1D } from './reshaping-1d.ts';
import { AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D } from './pooling3d.ts';
import { Cropping3D, UpSampling3D, ZeroPadding3D } from './reshaping-3d.ts';
import { Lambda } from './lambda.ts';
import { RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom } from './augmentation.ts';
import { ActivityRegularization } from './activity-regularization.ts';
import { CenterCrop, Normalization, Rescaling, Resizing } from './preprocessing.ts';
import { ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU } from './advanced-activations.ts';
import { GroupNormalization, LayerNormalization } from './layer-normalization.ts';
import { TimeDistributed } from './wrappers.ts';
import { CategoryEncoding, RandomHeight, RandomWidth } from './preprocessing-2.ts';

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
export const averagePooling1d = factory(AveragePooling1D);
export const averagePooling2d = factory(AveragePooling2D);
export const batchNormalization = factory(BatchNormalization);
export const conv1d = factory(Conv1D);
export const conv2dTranspose = factory(Conv2DTranspose);
export const conv3d = factory(Conv3D);
export const conv3dTranspose = factory(Conv3DTranspose);
export const cropping2d = factory(Cropping2D);
export const depthwiseConv2d = factory(DepthwiseConv2D);
export const dropout = factory(Dropout);
export const gaussianDropout = factory(GaussianDropout);
export const alphaDropout = factory(AlphaDropout);
export const gaussianNoise = factory(GaussianNoise);
export const globalAveragePooling1d = factory(GlobalAveragePooling1D);
export const globalAveragePooling2d = factory(GlobalAveragePooling2D);
export const globalMaxPooling1d = factory(GlobalMaxPooling1D);
export const globalMaxPooling2d = factory(GlobalMaxPooling2D);
export const maxPooling1d = factory(MaxPooling1D);
export const permute = factory(Permute);
export const randomBrightness = factory(RandomBrightness);
export const randomContrast = factory(RandomContrast);
export const randomCrop = factory(RandomCrop);
export const randomFlip = factory(RandomFlip);
export const randomRotation = factory(RandomRotation);
export const randomTranslation = factory(RandomTranslation);
export const randomZoom = factory(RandomZoom);
export const repeatVector = factory(RepeatVector);
export const separableConv2d = factory(SeparableConv2D);
export const spatialDropout2d = factory(SpatialDropout2D);
export const upSampling2d = factory(UpSampling2D);
export const zeroPadding2d = factory(ZeroPadding2D);
export const activityRegularization = factory(ActivityRegularization);
export const centerCrop = factory(CenterCrop);
export const eLU = factory(ELU);
export const groupNormalization = factory(GroupNormalization);
export const layerNormalization = factory(LayerNormalization);
export const leakyReLU = factory(LeakyReLU);
export const thresholdedReLU = factory(ThresholdedReLU);
export const normalization = factory(Normalization);
export const pReLU = factory(PReLU);
export const reLU = factory(ReLU);
export const rescaling = factory(Rescaling);
export const resizing = factory(Resizing);
export const softmax = factory(Softmax);
export const spatialDropout1d = factory(SpatialDropout1D);
export const zeroPadding1d = factory(ZeroPadding1D);
export const cropping1d = factory(Cropping1D);
export const upSampling1d = factory(UpSampling1D);
export const lambda = factory(Lambda);
export const maxPooling3d = factory(MaxPooling3D);
export const averagePooling3d = factory(AveragePooling3D);
export const globalAveragePooling3d = factory(GlobalAveragePooling3D);
export const globalMaxPooling3d = factory(GlobalMaxPooling3D);
export const zeroPadding3d = factory(ZeroPadding3D);
export const cropping3d = factory(Cropping3D);
export const upSampling3d = factory(UpSampling3D);
export const spatialDropout3d = factory(SpatialDropout3D);
export const embedding = factory(Embedding);
export const depthwiseConv1d = factory(DepthwiseConv1D);
export const separableConv1d = factory(SeparableConv1D);
export const conv1dTranspose = factory(Conv1DTranspose);
export const unitNormalization = factory(UnitNormalization);
export const identity = factory(Identity);
export const timeDistributed = factory(TimeDistributed);
export const categoryEncoding = factory(CategoryEncoding);
export const randomWidth = factory(RandomWidth);
export const randomHeight = factory(RandomHeight);

// TF.js's other spellings of the same layers.
export const avgPool1d = averagePooling1d;
export const avgPooling1d = averagePooling1d;
export const avgPool2d = averagePooling2d;
export const avgPooling2d = averagePooling2d;
export const avgPool3d = averagePooling3d;
export const avgPooling3d = averagePooling3d;
export const maxPool1d = maxPooling1d;
export const globalMaxPool1d = globalMaxPooling1d;
export const globalMaxPool2d = globalMaxPooling2d;
export const cropping2D = cropping2d;
export const elu = eLU;
export const prelu = pReLU;
