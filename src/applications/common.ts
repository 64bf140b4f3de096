// What every Keras application shares: its options, the input shape rule
// (imagenet_utils.obtain_input_shape), the model's input, the top's checks and the weights
// ('imagenet' from Keras's own files through the download cache, or a file path).
import { checkKnownOptions } from '../core/options.ts';
import { nodeBuiltin } from '../core/node-only.ts';
import { Dense, input } from '../layers/core.ts';
import type { ActivationName } from '../layers/activations.ts';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from '../layers/pooling.ts';
import { SymbolicTensor } from '../layers/symbolic.ts';
import { Model } from '../models/model.ts';

export interface ApplicationArgs {
  /** Include the classifier on top (default true). */
  includeTop?: boolean;
  /** null (random initialization), 'imagenet' (Keras's ImageNet weights, downloaded once into the cache), or the path of a weights file. Default 'imagenet', as Keras. */
  weights?: string | null;
  /** A symbolic tensor (`input()`) to build the model on instead of a new input. */
  inputTensor?: SymbolicTensor;
  /** [height, width, 3]; with includeTop it must be the default size when weights are 'imagenet'. */
  inputShape?: (number | null)[];
  /** Without the top: null (the last feature map), 'avg' or 'max' (global pooling to a vector). */
  pooling?: 'avg' | 'max' | null;
  /** Classes of the top (default 1000; only 1000 with 'imagenet' weights). */
  classes?: number;
  /** The top's activation (default 'softmax'; null for logits). */
  classifierActivation?: string | null;
  /** The model's name. */
  name?: string;
}

export const COMMON_OPTIONS = ['includeTop', 'weights', 'inputTensor', 'inputShape', 'pooling', 'classes', 'classifierActivation', 'name'];

/** The checked common options, with Keras's defaults. */
export interface Resolved {
  includeTop: boolean; weights: string | null; pooling: 'avg' | 'max' | null; classes: number;
  activation: ActivationName; name?: string; inputTensor?: SymbolicTensor; inputShape?: (number | null)[];
}

export function resolveArgs(app: string, args: ApplicationArgs, extra: string[] = []): Resolved {
  checkKnownOptions(args, [...COMMON_OPTIONS, ...extra], `applications.${app}`);
  const includeTop = args.includeTop ?? true;
  const weights = args.weights === undefined ? 'imagenet' : args.weights;
  if (weights !== null && typeof weights !== 'string') throw new Error(`applications.${app}: weights must be null, 'imagenet' or the path of a weights file. Received ${JSON.stringify(weights)}`);
  const classes = args.classes ?? 1000;
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`applications.${app}: classes must be a positive integer. Received ${JSON.stringify(args.classes)}`);
  if (weights === 'imagenet' && includeTop && classes !== 1000) throw new Error(`applications.${app}: with weights 'imagenet' and includeTop, classes must be 1000 (the ImageNet classifier). Received classes=${classes}; pass weights: null to train a new classifier, or includeTop: false and add your own`);
  const pooling = args.pooling ?? null;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') throw new Error(`applications.${app}: pooling must be null, 'avg' or 'max'. Received ${JSON.stringify(pooling)}`);
  const activation = (args.classifierActivation === undefined ? 'softmax' : args.classifierActivation ?? 'linear') as ActivationName;
  if (weights === 'imagenet' && includeTop && activation !== 'softmax' && activation !== 'linear') {
    throw new Error(`applications.${app}: with weights 'imagenet' the classifier activation must be 'softmax' or null (the weights were trained with a softmax). Received ${JSON.stringify(args.classifierActivation)}`);
  }
  if (args.inputTensor !== undefined && !(args.inputTensor instanceof SymbolicTensor)) throw new Error(`applications.${app}: inputTensor must be a symbolic tensor (from input()). Received ${String(args.inputTensor)}`);
  return { includeTop, weights, pooling, classes, activation, name: args.name, inputTensor: args.inputTensor, inputShape: args.inputShape };
}

/**
 * Keras's obtain_input_shape (channels last): with a top and 'imagenet' weights only the default
 * size; a given shape needs 3 channels for 'imagenet' and sides of at least minSize; without a
 * shape, the default size with a top, any size ([null, null, 3]) without.
 */
export function inputShapeFor(app: string, r: Resolved, defaultSize: number, minSize: number): (number | null)[] {
  const given = r.inputShape ?? (r.inputTensor ? r.inputTensor.shape.slice(1) : undefined);
  const fixed = [defaultSize, defaultSize, 3];
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length !== 3) throw new Error(`applications.${app}: inputShape must be [height, width, channels]. Received ${JSON.stringify(given)}`);
    if (r.weights === 'imagenet' && given[2] !== 3) throw new Error(`applications.${app}: the 'imagenet' weights need 3 input channels. Received inputShape ${JSON.stringify(given)}`);
    for (const side of given.slice(0, 2)) {
      if (side !== null && (!Number.isInteger(side) || side < minSize)) throw new Error(`applications.${app}: the input's height and width must be at least ${minSize}. Received inputShape ${JSON.stringify(given)}`);
    }
    if (r.includeTop && r.weights === 'imagenet' && (given[0] !== defaultSize || given[1] !== defaultSize)) {
      throw new Error(`applications.${app}: with includeTop and 'imagenet' weights the input must be ${JSON.stringify(fixed)}. Received ${JSON.stringify(given)}; pass includeTop: false for other sizes`);
    }
    if (r.includeTop && given.some((d) => d === null)) throw new Error(`applications.${app}: with includeTop the input shape must be fixed. Received ${JSON.stringify(given)}`);
    return given;
  }
  return r.includeTop ? fixed : [null, null, 3];
}

/** The model's input: the given symbolic tensor, or a new Input of that shape. */
export function imageInput(r: Resolved, shape: (number | null)[]): SymbolicTensor {
  return r.inputTensor ?? input({ shape });
}

/** Keras's weight files for 'imagenet', by application (storage.googleapis.com/tensorflow/keras-applications/...). */
const KERAS_WEIGHTS = 'https://storage.googleapis.com/tensorflow/keras-applications/';

/**
 * The weights: none, a file path (model.loadWeights, by layer name: the layers are named as
 * Keras names them, and every layer with weights must be in the file), or 'imagenet': Keras's
 * own .h5 file, downloaded once into the cache (getFile) and loaded the same way.
 */
export async function loadApplicationWeights(app: string, model: Model, weights: string | null, imagenetFile: { folder: string; file: string }): Promise<Model> {
  if (weights === null) return model;
  let path = weights;
  if (weights === 'imagenet') {
    if (typeof process === 'undefined') throw new Error(`applications.${app}: weights 'imagenet' are downloaded into a file cache, which a browser does not have; fetch the weights file yourself and load it with model.loadWeights, or pass weights: null`);
    const { getFile } = await import('../datasets/get-file.ts');
    const why = `downloading ${app}'s ImageNet weights`;
    const cacheDir = process.env.DEEPTYPE_HOME ?? nodeBuiltin('node:path', why).join(nodeBuiltin('node:os', why).homedir(), '.deeptype');
    path = await getFile(imagenetFile.file, `${KERAS_WEIGHTS}${imagenetFile.folder}/${imagenetFile.file}`, { cacheDir, cacheSubdir: 'models' });
  }
  const { loadWeightsFile } = await import('../io/keras-files.ts');
  // Keras 3's .weights.h5 matches layers by object path; Keras 2's .h5 (Keras's own files) by name here.
  await loadWeightsFile(model, path, path.toLowerCase().endsWith('.weights.h5') ? {} : { byName: true, requireEvery: true });
  return model;
}

/** Keras's _make_divisible: v rounded to a multiple of divisor, never below 90% of v. */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/** Without the top: the pooling the user asked for (Keras names the layers as given, or its defaults). */
export function featurePooling(x: SymbolicTensor, pooling: 'avg' | 'max' | null, names: { avg?: string; max?: string } = {}): SymbolicTensor {
  if (pooling === 'avg') return new GlobalAveragePooling2D({ name: names.avg }).apply(x) as SymbolicTensor;
  if (pooling === 'max') return new GlobalMaxPooling2D({ name: names.max }).apply(x) as SymbolicTensor;
  return x;
}

/** The usual top: global average pooling and the Dense classifier ('predictions'); without it, the pooling asked for. */
export function poolAndClassify(x: SymbolicTensor, r: Resolved, names: { avg?: string; max?: string } = {}): SymbolicTensor {
  if (!r.includeTop) return featurePooling(x, r.pooling, names);
  const pooled = new GlobalAveragePooling2D({ name: names.avg }).apply(x) as SymbolicTensor;
  return new Dense({ units: r.classes, activation: r.activation, name: 'predictions' }).apply(pooled) as SymbolicTensor;
}

/** The functional model over the application's input and output. */
export function applicationModel(input: SymbolicTensor, output: SymbolicTensor, name: string): Model {
  return new Model({ inputs: input, outputs: output, name });
}
