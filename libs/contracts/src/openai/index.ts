export * from './errors';
export * from './list';
export * from './files';
