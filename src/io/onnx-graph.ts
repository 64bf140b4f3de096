// What the ONNX forms outside onnx.ts (onnx-1d.ts, onnx-3d.ts) use of its graph builder. The
// builder's own type stays private to onnx.ts: it names onnx-proto's types, an optional package,
// which the published declarations must not import.
import type { ShapeSpec } from '../layers/layer.ts';

export interface GraphBuilder {
  node(opType: string, inputs: string[], attrs?: Record<string, number | number[] | string>, wanted?: string): string;
  float(wanted: string, values: Float32Array, dims: number[]): string;
  int64(name: string, values: number[]): string;
  fresh(prefix: string): string;
}

/** A value of the graph being written, as onnx.ts tracks it (NHWC or NCHW layout). */
export interface Value { name: string; nchw: boolean; shape: ShapeSpec }
