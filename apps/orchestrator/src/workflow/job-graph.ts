import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { END, START, StateGraph } from '@langchain/langgraph';
import { JobState, type WorkflowPublisher, type WorkflowRecords } from './job-state';
import { DEFAULT_STAGE_DEADLINES, type StageDeadlines } from './stage-deadlines';
import { diagnosisNodes } from './stages/diagnosis';
import { evaluationNodes } from './stages/evaluation';
import { finishNodes } from './stages/finish';
import { halfwayApprovalNodes } from './stages/halfway-approval';
import { preparationNodes } from './stages/preparation';
import { retrievalNodes } from './stages/retrieval';
import { createStageContext } from './stages/stage-context';
import { startNodes } from './stages/start';
import { trainingNodes } from './stages/training';

export * from './job-state';

/**
 * Reference 001's workflow: prepare data → train (halfway approval) → evaluate → "satisfactory?" →
 * diagnose → "apply these changes?" → next iteration with the patched config, within the iteration
 * budget → finalize. Every task is sent by one node and awaited by the next, so that resuming a waiting
 * node (which runs it again from the top) never sends anything twice. Task ids derive from the job and
 * the iteration, so a node run again after a crash sends the same task.
 *
 * The loop of docs/loop.md, node by node. Each stage's nodes live in `stages/`; the node names are stored
 * in the jobs' checkpoints, so they never change. Any node that ends the job (a cancel, a failure, a model
 * kept) goes to `finish`.
 *
 *        start
 *          ├──► requestRetrieval → awaitRetrieval ──┐         [index documents]
 *          ▼                                        │
 *     ┌──► requestPreparation ◄─────────────────────┘         prepare data
 *     │    awaitPreparation
 *     │    ▼
 *     ├──► requestTraining                                    train
 *     │    awaitTraining ⇄ askHalfway → awaitApproval           (halfway: "continue?")
 *     │    awaitTraining ⇄ cancelTraining                       (a cancel, or "continue?" rejected)
 *     │    ▼ trained, loop on               diverged ──┐
 *     │    requestEvaluation → awaitEvaluation         │      evaluate
 *     │    askSatisfied → awaitSatisfied               │      "satisfactory?" (approve: finish with this model)
 *     │    ▼ reject                                    │
 *     │    requestDiagnosis → awaitDiagnosis ◄─────────┘      diagnose
 *     │    askApply → awaitApply                              "apply these changes?"
 *     └─── approve / edit: the next iteration, with the patched config (prepared again when the patch
 *          ▼ reject, no findings                               changes the data)
 *          finish
 */
export function buildJobGraph(publisher: WorkflowPublisher, checkpointer: BaseCheckpointSaver, records: WorkflowRecords, deadlines: StageDeadlines = DEFAULT_STAGE_DEADLINES) {
  const context = createStageContext(publisher, records, deadlines);
  const { start } = startNodes(context);
  const { requestRetrieval, awaitRetrieval } = retrievalNodes(context);
  const { requestPreparation, awaitPreparation } = preparationNodes(context);
  const { requestTraining, awaitTraining, cancelTraining } = trainingNodes(context);
  const { askHalfway, awaitApproval } = halfwayApprovalNodes(context);
  const { requestEvaluation, awaitEvaluation, askSatisfied, awaitSatisfied } = evaluationNodes(context);
  const { requestDiagnosis, awaitDiagnosis, askApply, awaitApply } = diagnosisNodes(context);
  const { finish } = finishNodes(context);

  return new StateGraph(JobState)
    .addNode('start', start)
    .addNode('requestRetrieval', requestRetrieval)
    .addNode('awaitRetrieval', awaitRetrieval)
    .addNode('requestPreparation', requestPreparation)
    .addNode('awaitPreparation', awaitPreparation)
    .addNode('requestTraining', requestTraining)
    .addNode('awaitTraining', awaitTraining)
    .addNode('cancelTraining', cancelTraining)
    .addNode('askHalfway', askHalfway)
    .addNode('awaitApproval', awaitApproval)
    .addNode('requestEvaluation', requestEvaluation)
    .addNode('awaitEvaluation', awaitEvaluation)
    .addNode('askSatisfied', askSatisfied)
    .addNode('awaitSatisfied', awaitSatisfied)
    .addNode('requestDiagnosis', requestDiagnosis)
    .addNode('awaitDiagnosis', awaitDiagnosis)
    .addNode('askApply', askApply)
    .addNode('awaitApply', awaitApply)
    .addNode('finish', finish)
    // [index documents]
    .addEdge(START, 'start')
    .addConditionalEdges('start', (s) => s.route, ['requestRetrieval', 'requestPreparation', 'finish'])
    .addEdge('requestRetrieval', 'awaitRetrieval')
    .addConditionalEdges('awaitRetrieval', (s) => (s.outcome ? 'finish' : 'requestPreparation'), ['requestPreparation', 'finish'])
    // prepare data → train
    .addEdge('requestPreparation', 'awaitPreparation')
    .addConditionalEdges('awaitPreparation', (s) => s.route, ['requestTraining', 'finish'])
    .addEdge('requestTraining', 'awaitTraining')
    // (halfway: "continue?", or a cancel) → evaluate, or diagnose a diverged run
    .addConditionalEdges('awaitTraining', (s) => s.route, ['askHalfway', 'cancelTraining', 'requestEvaluation', 'requestDiagnosis', 'finish'])
    .addEdge('cancelTraining', 'awaitTraining')
    .addEdge('askHalfway', 'awaitApproval')
    .addConditionalEdges('awaitApproval', (s) => s.route, ['awaitTraining', 'cancelTraining'])
    // evaluate → "satisfactory?"
    .addEdge('requestEvaluation', 'awaitEvaluation')
    .addConditionalEdges('awaitEvaluation', (s) => s.route, ['askSatisfied', 'finish'])
    .addEdge('askSatisfied', 'awaitSatisfied')
    .addConditionalEdges('awaitSatisfied', (s) => s.route, ['requestDiagnosis', 'finish'])
    // diagnose → "apply these changes?" → next iteration
    .addEdge('requestDiagnosis', 'awaitDiagnosis')
    .addConditionalEdges('awaitDiagnosis', (s) => s.route, ['askApply', 'finish'])
    .addEdge('askApply', 'awaitApply')
    .addConditionalEdges('awaitApply', (s) => s.route, ['requestPreparation', 'requestTraining', 'finish'])
    // finish
    .addEdge('finish', END)
    .compile({ checkpointer });
}

export type JobGraph = ReturnType<typeof buildJobGraph>;
