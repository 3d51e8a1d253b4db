import { parseReactTranscript } from '../react/react-transcript';
import { isPlainObject, type FieldIssue } from './field-issue';
import { finishConversation, toolsFrom } from './finish-conversation';
import type { FormatReader } from './format-reader';

/** A LangChain ReAct transcript per record: `{transcript, tools?}`. */
export const reactTranscriptFormat: FormatReader = {
  format: 'react_transcript',
  score(value) {
    return isPlainObject(value) && typeof value.transcript === 'string' ? 3 : 0;
  },
  normalize(value) {
    if (!isPlainObject(value) || typeof value.transcript !== 'string') {
      return finishConversation(undefined, [{ path: 'transcript', expected: 'the transcript text' }]);
    }
    const issues: FieldIssue[] = [];
    const { messages, issues: transcriptIssues } = parseReactTranscript(value.transcript);
    issues.push(...transcriptIssues);
    const tools = toolsFrom(value.tools, 'tools', issues);
    return finishConversation(tools ? { messages, tools } : { messages }, issues);
  },
};
