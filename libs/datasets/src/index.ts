// Internal conversation form
export * from './conversation/conversation.schema';
export * from './conversation/dataset-record';
export { validateConversation, type ValidateConversationOptions } from './conversation/validate-conversation';
export { argumentsProblem } from './conversation/tool-arguments-validator';

// Errors and limits
export { DatasetError, DATASET_ERROR_CODES, type DatasetErrorCode, type DatasetErrorDetails } from './errors/dataset-error';
export { DEFAULT_READ_LIMITS, type ReadLimits } from './errors/read-limits';

// Reading
export { readDataset, collectDataset, type ReadDatasetOptions, type ReadEvent, type CollectedDataset } from './read-dataset';
export type { ByteSource } from './io/byte-source';
export type { DatasetEncoding, CsvColumnMapping } from './io/raw-values';
export { FORMAT_READERS, detectFormat } from './formats/format-registry';
export type { FormatReader, NormalizedRecord } from './formats/format-reader';
export type { FieldIssue } from './formats/field-issue';

// Writing
export { writeFileAtomically } from './io/atomic-write';
export { writeOpenAIJsonl, conversationToOpenAIJson, preferenceToOpenAIJson, type OpenAIWritable } from './writers/openai-jsonl-writer';
export { writeReactJsonl, type ReactWritable } from './writers/react-jsonl-writer';
export { writeCsv, neutralizeCell, csvLine } from './writers/csv-writer';

// ReAct
export { REACT_AGENT_TOKENS, REACT_STOP_SEQUENCE, TOOL_THOUGHT, NO_TOOL_THOUGHT, withAgentTokens, withAddedTokens, type AddedTokensOptions, type AddedTokenEntry, type TokenizerJsonShape, type ReactAgentToken } from './react/agent-tokens';
export {
  parseReactTranscript,
  conversationToReact,
  conversationToReactTranscript,
  type ReactPromptCompletion,
  type ReactRenderOptions,
} from './react/react-transcript';
export {
  checkReactCompletion,
  checkReactSamples,
  violationToError,
  looksLikeReact,
  observationPredictionErrors,
  type ReactRuleViolation,
  type ReactRulesReport,
  type ReactBalance,
} from './react/react-rules';

// Tokenization
export { loadModelTokenizer, createModelTokenizer, ModelTokenizer, type TokenizerConfig } from './tokenization/model-tokenizer';
export { renderChat, renderConversation, templateMessages } from './tokenization/chat-template';
export { DEFAULT_TOOL_FORMAT, defaultToolsBlock, defaultToolCallText, withDefaultToolFormat } from './tokenization/default-tool-format';
export { endOfSequenceIds } from './tokenization/end-of-sequence';
export { tokenizeConversation, ChatTemplateMismatchError, type TokenizedConversation, type LabeledSpan } from './tokenization/loss-mask';
export { tokenizePromptCompletion, type PromptCompletionTokenizeOptions } from './tokenization/prompt-completion-tokenize';
export { tokenizeRecords, type TokenizeRecordsOptions, type TokenizedRecords, type LocatedSample } from './tokenization/tokenize-records';
export {
  tokenizePreference,
  tokenizePreferenceRecords,
  truncatePreference,
  PreferenceTokenizeError,
  type TokenizedPreference,
  type LocatedPreference,
  type TokenizedPreferences,
  type PreferenceTruncation,
} from './tokenization/preference-tokenize';
export { IGNORE_INDEX, actionMask, countLabeled, type TokenizedSample } from './tokenization/tokenized-sample';
export {
  truncateSamples,
  packSamples,
  type TruncationOptions,
  type TruncationReport,
  type TruncationCut,
  type PackedSequence,
  type PackingOptions,
  type PackingReport,
} from './tokenization/packing';

// Synthetic data and splitting
export { SeededRandom } from './synthetic/seeded-random';
export { sampleFromSchema } from './synthetic/schema-sampler';
export {
  generateWithLlm,
  parseSamples,
  isLlmEndpointError,
  LLM_SOURCE_FILE,
  type ChatEndpoint,
  type LlmGenerationOptions,
  type LlmGenerationResult,
  type LlmRetryPolicy,
} from './synthetic/llm/llm-sample-generator';
export { artifactStoreCache, requestHash, type CacheStore, type LlmResponseCache } from './synthetic/llm/llm-response-cache';
export { FakeChatServer, LLM_CITIES } from './synthetic/llm/testing/fake-chat-server';
export { generateToolSamples, type SyntheticSample, type ToolSampleOptions, type ToolSampleResult } from './synthetic/tool-use-samples';
export { MinHasher, estimateJaccard, findNearDuplicates, normalizeText, type NearDuplicatePair } from './dedup/minhash';
export { recordText } from './dedup/record-text';
export { splitTrainValidation, type SplitOptions, type SplitResult } from './dedup/train-validation-split';

// Quality report
export { buildQualityReport, lengthStats, type QualityReport, type QualityReportInput } from './quality/quality-report';
export { renderQualityReportHtml } from './quality/quality-report-html';

// Reinforcement fine-tuning lines (OpenAI's format: the prompt ends with a user message; extra fields go to the grader)
export { readReinforcementLine, type ReinforcementLine, type ReinforcementLineResult } from './reinforcement/reinforcement-line';
export { readReinforcementLines, type ReinforcementReadEvent } from './reinforcement/read-reinforcement-lines';
