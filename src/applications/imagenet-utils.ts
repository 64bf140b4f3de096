// Keras's imagenet_utils: the three input preprocessings the applications were trained with,
// and decode_predictions (ImageNet's class index, fetched once into the cache as Keras does).
import { Tensor, tensor } from '../core/tensor.ts';
import { checkKnownOptions } from '../core/options.ts';
import { nodeBuiltin } from '../core/node-only.ts';
import { add, div, sub } from '../ops/elementwise.ts';
import { cast } from '../ops/layout.ts';
import { reverse } from '../ops/indexing.ts';

export type PreprocessMode = 'caffe' | 'tf' | 'torch';
export interface PreprocessArgs { mode?: PreprocessMode; dataFormat?: 'channelsLast' | 'channelsFirst' }

/** Keras's ImageNet channel statistics (RGB order) for 'caffe' (means of 0-255 pixels) and 'torch' (of 0-1 pixels). */
const CAFFE_MEAN_RGB = [123.68, 116.779, 103.939];
const TORCH_MEAN = [0.485, 0.456, 0.406], TORCH_STD = [0.229, 0.224, 0.225];

/**
 * Keras's preprocess_input on RGB images with values 0-255 (any float or integer dtype; the
 * result is float32): 'tf' scales to [-1, 1]; 'torch' to [0, 1], then normalizes each channel by
 * ImageNet's mean and standard deviation; 'caffe' (default, as Keras) turns RGB into BGR and
 * subtracts ImageNet's mean of each channel, without scaling.
 */
export function preprocessInput(x: Tensor, args: PreprocessArgs = {}): Tensor {
  checkKnownOptions(args, ['mode', 'dataFormat'], 'preprocessInput');
  const mode = args.mode ?? 'caffe', format = args.dataFormat ?? 'channelsLast';
  if (!(x instanceof Tensor)) throw new Error(`preprocessInput: x must be a Tensor of RGB images. Received ${String(x)}`);
  if (mode !== 'caffe' && mode !== 'tf' && mode !== 'torch') throw new Error(`preprocessInput: mode must be 'caffe', 'tf' or 'torch'. Received ${JSON.stringify(mode)}`);
  if (format !== 'channelsLast' && format !== 'channelsFirst') throw new Error(`preprocessInput: dataFormat must be 'channelsLast' or 'channelsFirst'. Received ${JSON.stringify(format)}`);
  const axis = format === 'channelsLast' ? x.rank - 1 : x.rank === 3 ? 0 : 1;
  if (x.rank < 3 || x.shape[axis] !== 3) throw new Error(`preprocessInput: expected RGB images (3 channels on axis ${axis}, ${format}) of rank 3 or 4. Received shape [${x.shape.join(', ')}]`);
  const f = x.dtype === 'float32' ? x : cast(x, 'float32');
  if (mode === 'tf') return sub(div(f, 127.5), 1);
  // A per-channel constant shaped to broadcast along the channel axis.
  const perChannel = (v: number[]): Tensor => tensor(v, format === 'channelsLast' ? [3] : [3, 1, 1]);
  if (mode === 'torch') return div(sub(div(f, 255), perChannel(TORCH_MEAN)), perChannel(TORCH_STD));
  return add(reverse(f, axis), perChannel([...CAFFE_MEAN_RGB].reverse().map((m) => -m)));
}

/** One prediction: ImageNet's WordNet id, the class name, the score. */
export type DecodedPrediction = [string, string, number];
export interface DecodeArgs {
  /** How many classes per sample (default 5). */
  top?: number;
  /** ImageNet's class index ({"0": ["n01440764", "tench"], ...}) or the path of its JSON file; default: Keras's file, downloaded once into the cache. */
  classIndex?: string | Record<string, [string, string]>;
}

const CLASS_INDEX_URL = 'https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json';

/** Keras's decode_predictions: each sample's top classes of a [samples, 1000] prediction, best first. */
export async function decodePredictions(preds: Tensor, args: DecodeArgs = {}): Promise<DecodedPrediction[][]> {
  checkKnownOptions(args, ['top', 'classIndex'], 'decodePredictions');
  const top = args.top ?? 5;
  if (!(preds instanceof Tensor) || preds.rank !== 2 || preds.shape[1] !== 1000) {
    throw new Error(`decodePredictions expects a batch of ImageNet predictions: a tensor of shape [samples, 1000]. Received ${preds instanceof Tensor ? `shape [${preds.shape.join(', ')}]` : String(preds)}`);
  }
  if (!Number.isInteger(top) || top < 1 || top > 1000) throw new Error(`decodePredictions: top must be an integer from 1 to 1000. Received ${JSON.stringify(args.top)}`);
  const index = await classIndex(args.classIndex);
  const scores = preds.dataSync() as Float32Array;
  const out: DecodedPrediction[][] = [];
  for (let s = 0; s < preds.shape[0]; s++) {
    const row = scores.subarray(s * 1000, (s + 1) * 1000);
    const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b).slice(0, top);
    out.push(order.map((c) => [index[String(c)][0], index[String(c)][1], row[c]]));
  }
  return out;
}

async function classIndex(given: DecodeArgs['classIndex']): Promise<Record<string, [string, string]>> {
  let index: unknown = given;
  if (given === undefined || typeof given === 'string') {
    let path = given;
    if (path === undefined) {
      const { getFile } = await import('../datasets/get-file.ts');
      const why = 'downloading the ImageNet class index';
      const cacheDir = process.env.DEEPTYPE_HOME ?? nodeBuiltin('node:path', why).join(nodeBuiltin('node:os', why).homedir(), '.deeptype');
      path = await getFile('imagenet_class_index.json', CLASS_INDEX_URL, { cacheDir, cacheSubdir: 'models' });
    }
    index = JSON.parse(nodeBuiltin('node:fs', 'reading the ImageNet class index').readFileSync(path, 'utf8'));
  }
  const entries = index && typeof index === 'object' ? index as Record<string, unknown> : {};
  for (let c = 0; c < 1000; c++) {
    const e = entries[String(c)];
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') {
      throw new Error(`decodePredictions: the class index has no [wordnetId, name] entry for class ${c}; it must map "0" ... "999" to pairs, as Keras's imagenet_class_index.json does`);
    }
  }
  return entries as Record<string, [string, string]>;
}
