// Keras's Embedding: token ids -> rows of a trainable [inputDim, outputDim] table, a gather
// whose gradient is a dense scatter-add into the table (no sparse gradients). Float ids are
// truncated to int32 first, as TensorFlow.js's Embedding casts them.
import { formatShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import * as ops from '../ops/index.ts';
import { getInitializer, type InitializerIdentifier } from './initializers.ts';
import { initializerConfig } from './core.ts';
import { Layer, type LayerArgs, type ShapeSpec } from './layer.ts';
import { checkOptions, registerLayers } from './registry.ts';
import { invalid } from './args.ts';
import { WeightPenalties, type ConstraintIdentifier, type RegularizerIdentifier } from './regularizers.ts';

export interface EmbeddingArgs extends LayerArgs {
  /** The vocabulary size: ids lie in [0, inputDim). */
  inputDim: number;
  /** The width of each id's vector. */
  outputDim: number;
  /** Default: Keras's 'uniform', RandomUniform(-0.05, 0.05). */
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  embeddingsConstraint?: ConstraintIdentifier | null;
  /** Only false: deeptype has no masks yet. */
  maskZero?: boolean | null;
  /** TF.js's option: the sequence length(s), checked against the input's shape (null: any). */
  inputLength?: number | (number | null)[] | null;
}

export class Embedding extends Layer {
  static override readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly inputLength: number | (number | null)[] | null;
  private readonly embeddingsInitializer: InitializerIdentifier;
  private readonly penalties: WeightPenalties;
  embeddings?: Tensor;

  constructor(args: EmbeddingArgs) {
    super(args);
    checkOptions(this.name, args, ['inputDim', 'outputDim', 'embeddingsInitializer', 'maskZero', 'inputLength', ...WeightPenalties.options(['embeddings'])]);
    const positive = (arg: 'inputDim' | 'outputDim'): number => {
      const v = args?.[arg];
      if (!Number.isInteger(v) || v < 1) throw invalid(this.name, arg, 'a positive integer', v);
      return v;
    };
    this.inputDim = positive('inputDim');
    this.outputDim = positive('outputDim');
    if (args.maskZero !== undefined && args.maskZero !== null && args.maskZero !== false) { // TF.js writes null for unset
      throw new Error(`Layer "${this.name}": maskZero=${JSON.stringify(args.maskZero)} is not supported: deeptype has no masks yet, so padding id 0 cannot be masked out. ` +
        'Pass maskZero: false (the default); pooling over padded positions then includes them');
    }
    const length = args.inputLength ?? null;
    const lengths = length === null ? [] : Array.isArray(length) ? length : [length];
    if ((length !== null && typeof length !== 'number' && !Array.isArray(length)) || lengths.some((d) => d !== null && !(Number.isInteger(d) && d > 0))) {
      throw invalid(this.name, 'inputLength', 'a positive integer, a list of positive integers or nulls, or null', args.inputLength);
    }
    this.inputLength = length;
    // TF.js: inputLength alone gives the layer its input shape, so a Sequential can build.
    if (length !== null && !this.batchInputShape) this.batchInputShape = [null, ...lengths];
    // Keras's default 'uniform' is RandomUniform(-0.05, 0.05), TF.js's 'randomUniform'.
    const init = args.embeddingsInitializer ?? 'randomUniform';
    this.embeddingsInitializer = init === ('uniform' as InitializerIdentifier) ? 'randomUniform' : init;
    getInitializer(this.embeddingsInitializer, `Layer "${this.name}"`);
    this.penalties = new WeightPenalties(this.name, args, ['embeddings']);
    this.inputSpec = { minNdim: 1 };
  }

  override build(_inputShape: ShapeSpec): void {
    this.embeddings = this.penalties.attach('embeddings',
      this.addWeight('embeddings', [this.inputDim, this.outputDim], getInitializer(this.embeddingsInitializer, this.name)));
    this.built = true;
  }

  override computeOutputShape(s: ShapeSpec): ShapeSpec {
    if (this.inputLength === null) return [...s, this.outputDim];
    const lengths = Array.isArray(this.inputLength) ? [...this.inputLength] : [this.inputLength];
    const fail = (): never => {
      throw new Error(`Layer "${this.name}": inputLength is ${JSON.stringify(this.inputLength)}, but the input has shape ${formatShape(s)}; ` +
        `give inputs of shape [batch, ${lengths.map((d) => d ?? 'any').join(', ')}] or change inputLength`);
    };
    if (lengths.length !== s.length - 1) fail();
    lengths.forEach((d, k) => {
      const actual = s[k + 1];
      if (d !== null && actual !== null && d !== actual) fail();
      if (d === null) lengths[k] = actual;
    });
    return [s[0], ...lengths, this.outputDim];
  }

  call(x: Tensor): Tensor {
    this.computeOutputShape(x.shape);
    const ids = x.dtype === 'int32' ? x : ops.cast(x, 'int32');
    // Eagerly (and while a plan is traced) the layer names a bad id; a compiled plan's gather
    // kernel checks every id again on each run and throws before any weight is updated.
    const data = ids.data;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 0 || data[i] >= this.inputDim) {
        throw new Error(`Layer "${this.name}": input id ${data[i]} (at flat position ${i} of an input of shape ${formatShape(x.shape)}) is outside [0, inputDim=${this.inputDim}); ` +
          `token ids must be below the vocabulary size: raise inputDim or map unknown tokens to a reserved id`);
      }
    }
    return ops.gather(this.embeddings!, ids, 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, embeddingsInitializer: initializerConfig(this.embeddingsInitializer),
      ...this.penalties.config(), maskZero: false, inputLength: this.inputLength };
  }
}

registerLayers(Embedding);
