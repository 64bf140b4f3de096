import * as mnist from './mnist.ts';
export { mnist };
export { readIdx, parseIdx } from './idx.ts';
