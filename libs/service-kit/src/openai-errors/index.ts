export * from './openai-error-envelope';
export * from './openai-exception-filter';
