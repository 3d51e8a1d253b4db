import type { EvaluationMetricName, EvaluationSummary, ModelEvaluation, PayloadOf, evaluationRunRequestedV1 } from '@tuneforge/contracts';
import { lastUserText } from '@tuneforge/datasets';
import type { ServingLimits } from '@tuneforge/serving';
import type { ArtifactStore } from '@tuneforge/storage';
import type { GraderContext } from '@tuneforge/graders';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectAgentFormat } from '../agent/agent-format';
import { aggregateAgentScores } from '../agent/agent-metrics';
import { expectedEpisode, expectedReactStep } from '../agent/expected-episode';
import type { EpisodeInput } from '../agent/run-episodes';
import type { EmbeddingsEndpoint } from '../config/evaluator-config';
import { loadModelFromStore } from '../inputs/load-model';
import { loadRetrieval } from '../inputs/load-retrieval';
import { evaluateReinforcement } from '../reinforcement/evaluate-reinforcement';
import { readEvaluationSet, type EvaluationRecord } from '../inputs/read-evaluation-set';
import { DEFAULT_PREFERENCE_BETA, preferenceReport, scorePairs, type PairScores } from '../text/preference-metrics';
import { semanticSimilarities } from '../text/semantic-similarity';
import { scoreTexts } from '../text/text-metrics';
import { EvaluationInputError } from './evaluation-input-error';
import { reportHeader, type EvaluationReport, type ExampleOutput, type ExampleReport, type ModelRole } from './evaluation-report';
import { runModel, type ModelRun, type ModelRunOptions } from './evaluate-model';
import { worstExamples } from './worst-examples';

export type EvaluationRequest = PayloadOf<typeof evaluationRunRequestedV1>;

export interface EvaluateDeps {
  /** The tenant's store. */
  store: ArtifactStore;
  /** How each model is loaded for serving: engine threads, sequences decoded together, context per sequence. */
  serving: ServingLimits;
  embeddings?: EmbeddingsEndpoint;
  /** Where a reinforcement job's model graders (score_model, logit, cosine) call: TF_GRADER_BASE_URL / TF_GRADER_API_KEY. */
  graders?: GraderContext;
  /** Progress lines for the log. */
  progress?: (step: string, detail?: Record<string, unknown>) => void;
}

const ROLES: readonly ModelRole[] = ['base', 'tuned'];

/**
 * Compares the base and the fine-tuned model on the same evaluation set with the same decoding: text
 * metrics on their answers, loss on the references, when the job has tools, agent metrics from
 * real tool loops, and for preference pairs (a DPO job's held-out pairs) whether each model gives the chosen
 * output the higher log-probability, and TRL's implicit-reward accuracy and margin against the base. Models are loaded one at a time (memory holds one), each for serving as the inference
 * service loads it, and every answer is generated on the serving path (libs/serving). Throws
 * EvaluationInputError for what the request got wrong; the caller turns it into a failed result.
 */
export async function evaluate(request: EvaluationRequest, deps: EvaluateDeps): Promise<EvaluationReport> {
  const started = Date.now();
  const progress = deps.progress ?? (() => undefined);
  const knownTools = new Set(request.tools.map((tool) => tool.function.name));
  request.toolFixtures.forEach((fixture, i) => {
    if (!knownTools.has(fixture.tool)) {
      throw new EvaluationInputError(`toolFixtures[${i}].tool: ${JSON.stringify(fixture.tool)} is not one of the job's tools (${[...knownTools].join(', ') || 'none'})`);
    }
  });
  // A reinforcement job's held-out set is prompts without answers, scored by its grader: evaluated apart.
  if (request.reinforcement) return evaluateReinforcement(request, request.reinforcement, deps);
  const set = await readEvaluationSet(deps.store, request);
  progress('evaluation set read', { source: set.source, examples: set.records.length });

  const episodes = request.tools.length > 0 ? agentEpisodes(set.records) : [];
  const search = episodes.length > 0 && request.retrievalIndex !== undefined ? await loadRetrieval(deps.store, request.retrievalIndex) : undefined;
  const work = await mkdtemp(join(tmpdir(), `evaluator-${request.taskId}-`));
  const runs = {} as Record<ModelRole, ModelRun>;
  const pairScores = {} as Record<ModelRole, PairScores>;
  let agentFormat: string | undefined;
  try {
    for (const role of ROLES) {
      const loaded = await loadModelFromStore(deps.store, role === 'base' ? request.baseModel : request.tunedModel, role, work, deps.serving);
      try {
        // The format is the data's and the base template's: both models are run in the same one.
        if (episodes.length > 0 && agentFormat === undefined) agentFormat = detectAgentFormat(loaded.served.tokenizer, set.records);
        const options: ModelRunOptions = {
          settings: request.settings,
          maxSequenceLength: request.maxSequenceLength,
          ...(agentFormat !== undefined ? { agent: { format: agentFormat as NonNullable<ModelRunOptions['agent']>['format'], episodes, tools: request.tools, fixtures: request.toolFixtures, ...(search ? { search } : {}) } } : {}),
        };
        runs[role] = set.records.length > 0 ? await runModel(loaded, set.records, options) : { answers: [], episodes: [] };
        if (set.pairs.length > 0) {
          pairScores[role] = await scorePairs(loaded.served.engine, loaded.served.tokenizer, set.pairs, request.maxSequenceLength, role === 'base' ? 'baseModel' : 'tunedModel');
        }
        progress('model evaluated', { role, prefix: loaded.prefix, pairs: set.pairs.length });
      } finally {
        await loaded.served.dispose();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  // A DPO job's held-out pairs: does each model prefer the chosen output (and by how much, against the base)?
  const preference = set.pairs.length > 0 ? preferenceReport(set.pairs, pairScores.base, pairScores.tuned, request.preference?.beta ?? DEFAULT_PREFERENCE_BETA) : undefined;
  const notComputed: EvaluationReport['notComputed'] = [];
  const examples: ExampleReport[] = set.records.map((record, index) => ({ index, source: { file: record.location.file, line: record.location.line }, prompt: promptExcerpt(record) }));
  const evaluations = {} as Record<ModelRole, ModelEvaluation>;
  const agentReports: Partial<NonNullable<EvaluationReport['agent']>> = {};
  for (const role of ROLES) {
    const run = runs[role];
    const answered = run.answers.flatMap((answer, i) => (answer ? [{ i, answer }] : []));
    const hypotheses = answered.map(({ answer }) => answer.generated.text);
    const references = answered.map(({ answer }) => answer.reference);
    const text = hypotheses.length > 0 ? scoreTexts(hypotheses, references, request.settings.metrics) : { corpus: {}, perExample: [] };
    const metrics: ModelEvaluation['metrics'] = { ...text.corpus, ...(preference ? preference[role] : {}) };
    if (request.settings.metrics.includes('semantic_similarity') && hypotheses.length > 0) {
      if (deps.embeddings) {
        // An embeddings service that is down costs this one metric (said in the report), not the evaluation.
        const similarities = await semanticSimilarities(deps.embeddings, hypotheses, references).catch((error: unknown) => {
          notComputed.push({ metric: 'semantic_similarity', reason: `${role} model: the embeddings endpoint failed: ${(error as Error).message.slice(0, 300)}` });
          return undefined;
        });
        if (similarities) {
          metrics.semantic_similarity = similarities.reduce((a, b) => a + b, 0) / similarities.length;
          similarities.forEach((value, j) => (text.perExample[j].semantic_similarity = value));
        }
      } else if (role === 'base') {
        notComputed.push({ metric: 'semantic_similarity', reason: 'no embeddings endpoint is configured (TF_EVAL_EMBEDDINGS_BASE_URL, TF_EVAL_EMBEDDINGS_MODEL)' });
      }
    }
    if (run.loss) {
      metrics.validation_loss = run.loss.validationLoss;
      metrics.perplexity = run.loss.perplexity;
    } else if (request.settings.metrics.includes('validation_loss') && role === 'base' && set.records.length > 0) {
      notComputed.push({ metric: 'validation_loss', reason: 'no example has a reference assistant token within maxSequenceLength' });
    }
    answered.forEach(({ i, answer }, j) => {
      const output: ExampleOutput = {
        reference: answer.reference,
        output: answer.generated.text,
        finishReason: answer.generated.finishReason,
        tokens: answer.generated.tokens,
        metrics: text.perExample[j],
        ...(run.loss?.perExample[i] ? { loss: run.loss.perExample[i]?.meanLoss } : {}),
      };
      examples[i][role] = output;
    });
    let perTool: ModelEvaluation['per_tool'] = {};
    if (run.episodes.length > 0) {
      const agent = aggregateAgentScores(run.episodes.map((episode) => episode.score));
      Object.assign(metrics, agent.metrics);
      perTool = agent.perTool;
      agentReports[role] = { confusion: agent.confusion, expectations: agent.expectations, episodes: run.episodes };
    }
    evaluations[role] = { metrics: roundMetrics(metrics), per_tool: perTool };
  }

  const summary: EvaluationSummary = { examples: set.records.length + set.pairs.length, agent_episodes: episodes.length, base: evaluations.base, tuned: evaluations.tuned };
  return {
    ...reportHeader(request),
    evaluationSet: {
      source: set.source,
      available: set.available,
      evaluated: set.records.length,
      skippedPreferencePairs: set.skippedPreferencePairs,
      withoutReference: runs.base.answers.filter((answer) => answer === undefined).length,
      preferencePairs: set.pairs.length,
    },
    settings: { ...request.settings, maxExamples: request.maxExamples, maxSequenceLength: request.maxSequenceLength },
    notComputed,
    summary,
    examples,
    ...(agentFormat !== undefined && agentReports.base && agentReports.tuned
      ? { agent: { format: agentFormat, episodes: episodes.length, base: agentReports.base, tuned: agentReports.tuned } }
      : {}),
    ...(preference ? { preference } : {}),
    worstExamples: worstExamples(examples, 5),
    trainingCurve: request.curve,
    durationMs: Date.now() - started,
  };
}

/** Records whose reference has steps to compare: conversations become episodes, ReAct prompt/completion samples single steps. */
function agentEpisodes(records: readonly EvaluationRecord[]): EpisodeInput[] {
  return records.flatMap((record, example): EpisodeInput[] => {
    if (record.kind === 'prompt_completion') {
      const step = expectedReactStep(record.sample.completion);
      return step ? [{ example, reference: step, exampleTools: [], reactPrompt: record.sample.prompt }] : [];
    }
    const reference = expectedEpisode(record.conversation);
    return reference ? [{ example, reference, exampleTools: record.conversation.tools ?? [] }] : [];
  });
}

function promptExcerpt(record: EvaluationRecord): string {
  const text = record.kind === 'prompt_completion' ? record.sample.prompt : lastUserText(record.conversation.messages);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Six significant digits: enough for any threshold, and the same value whichever process computes it. */
function roundMetrics(metrics: ModelEvaluation['metrics']): ModelEvaluation['metrics'] {
  return Object.fromEntries(Object.entries(metrics).map(([name, value]) => [name as EvaluationMetricName, Number((value as number).toPrecision(6))]));
}
