// Must NOT typecheck: a misspelt option (kernelsize for kernelSize).
import { layers } from 'deeptype';
export const conv = new layers.Conv2D({ filters: 8, kernelsize: [3, 3] });
