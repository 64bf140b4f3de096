// BackupAndRestore: after every epoch the weights, the optimizer's state and the epoch count
// are written (atomically) to a backup directory; a fit that finds a backup there resumes
// after that epoch. The values are stored as their exact bytes, so with the same seed and one
// thread a resumed run ends exactly where an uninterrupted one does.
import type { Tensor } from '../core/tensor.ts';
import { Callback } from './callback-base.ts';

const nodeFs = (): typeof import('node:fs') => process.getBuiltinModule('node:fs');
const nodePath = (): typeof import('node:path') => process.getBuiltinModule('node:path');

export interface BackupAndRestoreArgs {
  backupDir: string;
  /** Delete the backup when training ends (default true, as Keras). */
  deleteCheckpoint?: boolean;
}

interface Saved { name: string; shape: number[]; dtype: string; bytes: string }
interface BackupFile { epoch: number; weights: Saved[]; optimizer: Saved[] }

const encode = (name: string, t: Tensor): Saved => ({
  name, shape: t.shape, dtype: t.dtype, bytes: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'),
});

function decodeInto(s: Saved, target: Tensor['data'], where: string): void {
  const bytes = Buffer.from(s.bytes, 'base64');
  if (bytes.byteLength !== target.byteLength) throw new Error(`${where}: '${s.name}' has ${bytes.byteLength} bytes in the backup, the model's has ${target.byteLength}`);
  new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(bytes);
}

export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly deleteCheckpoint: boolean;
  /** The epoch fit resumes at, when a backup was found (read by fit after onTrainBegin). */
  resumeEpoch?: number;
  constructor({ backupDir, deleteCheckpoint = true, ...rest }: BackupAndRestoreArgs) {
    super();
    if (!backupDir) throw new Error('BackupAndRestore: backupDir is required');
    const unknown = Object.keys(rest);
    if (unknown.length) throw new Error(`BackupAndRestore: unknown option '${unknown[0]}'. Valid options are: backupDir, deleteCheckpoint (backups are written at the end of every epoch)`);
    this.backupDir = backupDir;
    this.deleteCheckpoint = deleteCheckpoint;
  }
  private get file(): string { return nodePath().join(this.backupDir, 'backup.json'); }

  onTrainBegin(): void {
    this.resumeEpoch = undefined;
    const fs = nodeFs();
    if (!fs.existsSync(this.file)) return;
    const where = `BackupAndRestore (${this.file})`;
    const backup = JSON.parse(fs.readFileSync(this.file, 'utf8')) as BackupFile;
    const model = this.model!, optimizer = model.optimizer!;
    const weights = model.weights;
    if (backup.weights.length !== weights.length) throw new Error(`${where}: the backup has ${backup.weights.length} weights, the model ${weights.length}`);
    backup.weights.forEach((s, i) => decodeInto(s, weights[i].data, where));
    // getWeights gives templates of the right names, shapes and dtypes (and creates the slots).
    const byName = new Map(backup.optimizer.map((s) => [s.name, s]));
    const values = new Map<string, Tensor>();
    for (const { name, tensor } of optimizer.getWeights(model.trainableWeights)) {
      const s = byName.get(name);
      if (!s) throw new Error(`${where}: the backup has no optimizer state '${name}'`);
      decodeInto(s, tensor.data, where);
      values.set(name, tensor);
    }
    optimizer.setWeights(values, model.trainableWeights, where);
    this.resumeEpoch = backup.epoch + 1;
  }

  onEpochEnd(epoch: number): void {
    const fs = nodeFs(), model = this.model!;
    const backup: BackupFile = {
      epoch,
      weights: model.weights.map((w) => encode(w.name, w)),
      optimizer: model.optimizer!.getWeights(model.trainableWeights).map(({ name, tensor }) => encode(name, tensor)),
    };
    fs.mkdirSync(this.backupDir, { recursive: true });
    // Written beside, flushed, then renamed over: a kill at any moment leaves the old or the new backup.
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try { fs.writeSync(fd, JSON.stringify(backup)); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    fs.renameSync(tmp, this.file);
  }

  onTrainEnd(): void {
    if (this.deleteCheckpoint) nodeFs().rmSync(this.backupDir, { recursive: true, force: true });
  }
}
