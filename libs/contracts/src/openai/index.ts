export * from './errors';
export * from './list';
export * from './files';
export * from './fine-tuning';
