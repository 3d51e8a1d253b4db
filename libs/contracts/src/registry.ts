import type { TopicSpec } from './topic';
import { pingAnsweredV1 } from './topics/system.ping.answered.v1';
import { pingRequestedV1 } from './topics/system.ping.requested.v1';
import { dataPreparationRequestedV1 } from './topics/data.preparation.requested.v1';
import { dataPreparationCompletedV1 } from './topics/data.preparation.completed.v1';
import { trainingRunRequestedV1 } from './topics/training.run.requested.v1';
import { trainingRunProgressedV1 } from './topics/training.run.progressed.v1';
import { trainingCheckpointSavedV1 } from './topics/training.checkpoint.saved.v1';
import { trainingRunCompletedV1 } from './topics/training.run.completed.v1';
import { trainingRunControlV1 } from './topics/training.run.control.v1';
import { jobLifecycleCreatedV1 } from './topics/job.lifecycle.created.v1';
import { jobLifecycleEventV1 } from './topics/job.lifecycle.event.v1';
import { jobLifecycleStatusChangedV1 } from './topics/job.lifecycle.status-changed.v1';
import { jobApprovalRequestedV1 } from './topics/job.approval.requested.v1';
import { jobApprovalAnsweredV1 } from './topics/job.approval.answered.v1';
import { jobControlRequestedV1 } from './topics/job.control.requested.v1';
import { evaluationRunRequestedV1 } from './topics/evaluation.run.requested.v1';
import { evaluationRunCompletedV1 } from './topics/evaluation.run.completed.v1';
import { diagnosisRunRequestedV1 } from './topics/diagnosis.run.requested.v1';
import { diagnosisRunCompletedV1 } from './topics/diagnosis.run.completed.v1';
import { jobIterationRecordedV1 } from './topics/job.iteration.recorded.v1';
import { retrievalIndexRequestedV1 } from './topics/retrieval.index.requested.v1';
import { retrievalIndexCompletedV1 } from './topics/retrieval.index.completed.v1';

/** Every topic the project declares; infrastructure creates exactly these (plus their dead-letter topics). */
export const ALL_TOPICS: readonly TopicSpec[] = [
  pingRequestedV1,
  pingAnsweredV1,
  dataPreparationRequestedV1,
  dataPreparationCompletedV1,
  trainingRunRequestedV1,
  trainingRunProgressedV1,
  trainingCheckpointSavedV1,
  trainingRunCompletedV1,
  trainingRunControlV1,
  jobLifecycleCreatedV1,
  jobLifecycleEventV1,
  jobLifecycleStatusChangedV1,
  jobApprovalRequestedV1,
  jobApprovalAnsweredV1,
  jobControlRequestedV1,
  evaluationRunRequestedV1,
  evaluationRunCompletedV1,
  diagnosisRunRequestedV1,
  diagnosisRunCompletedV1,
  jobIterationRecordedV1,
  retrievalIndexRequestedV1,
  retrievalIndexCompletedV1,
];

const byName = new Map(ALL_TOPICS.map((topic) => [topic.name, topic]));

export function findTopic(name: string): TopicSpec | undefined {
  return byName.get(name);
}
