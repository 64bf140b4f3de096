import * as dt from './src/index.ts';
const A = dt.applications;
for (const [n, f] of [['DenseNet121', A.DenseNet121], ['DenseNet169', A.DenseNet169]] as const) {
  const m = await (f as any)({ weights: null });
  console.log(n, m.countParams(), m.nonTrainableWeights.reduce((s: number, w: any) => s + w.size, 0), m.layers.length);
}
