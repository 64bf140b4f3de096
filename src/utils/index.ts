// keras.utils: data feeding helpers.
export { Sequence, type DataSource } from '../training/data-adapter.ts';
