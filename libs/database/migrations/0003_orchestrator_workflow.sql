-- The orchestrator's workflow records beside its LangGraph checkpoints (those live in the tables
-- @langchain/langgraph-checkpoint-postgres creates and migrates itself: checkpoints, checkpoint_blobs,
-- checkpoint_writes, checkpoint_migrations). The training curves are in `curve_points` (0001).

-- Each job's inbox: the task results, approval answers, halfway reports and cancels its waiting nodes take. The
-- first value under a key is the one that counts (the primary key lets one insert through; a redelivered copy
-- changes nothing). `json`, not `jsonb`: a value is kept as it came, and a human's comment holding \u0000 (which
-- jsonb refuses) is still recorded.
CREATE TABLE orchestrator_inbox (
  job_id       text NOT NULL,
  key          text NOT NULL,
  value        json NOT NULL,
  recorded_at  bigint NOT NULL,
  PRIMARY KEY (job_id, key)
);

-- The jobs the orchestrator started; the unfinished ones are resumed from their checkpoints when it starts.
CREATE TABLE orchestrator_jobs (
  job_id       text PRIMARY KEY,
  tenant       text NOT NULL,
  started_at   bigint NOT NULL,
  finished_at  bigint
);
CREATE INDEX orchestrator_jobs_unfinished ON orchestrator_jobs (job_id) WHERE finished_at IS NULL;
