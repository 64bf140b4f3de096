export { Model, type CompileArgs } from './model.ts';
export { Sequential } from './sequential.ts';
