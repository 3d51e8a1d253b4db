export * from './errors';
export * from './list';
export * from './files';
export * from './fine-tuning';
export * from './chat-completions';
export * from './completions';
export * from './json-schema-check';
export * from './internal-headers';
