// A model loaded for serving
export { ServedModel, servingContext, type ServingLimits } from './model/served-model';

// Generation: continuous batching, choices with stop strings and incremental text
export { DecodeScheduler, type DecodeSessionPort, type GeneratedToken, type SchedulerLoad, type SequenceOptions } from './generation/decode-scheduler';
export { TokenQueue, type SequenceEnd } from './generation/token-queue';
export { ChoiceText, type ChoiceDelta, type TokenLogprob } from './generation/choice-text';
export { IncrementalDetokenizer, type TokenDecoder } from './generation/incremental-detokenizer';
export { runChoice, collectChoice, choiceSeed, type ChoiceRequest, type ChoiceEnd, type ChoiceObserver, type RunChoiceOptions } from './generation/run-choice';
export { chatTokenLogprobs, completionLogprobs, tokenString, type ChatTokenLogprob, type CompletionLogprobs } from './generation/token-logprobs';

// Prompts, encoded as the endpoints encode them
export { encodeTextPrompt, renderChatPrompt, encodeRenderedChat } from './prompt/prompt-encoding';

// The agent loop's model over the serving path
export { ServedAgentModel, type ServedAgentModelOptions } from './agent/served-agent-model';
