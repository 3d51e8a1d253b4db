-- Tuneforge's metadata (issue #17): what was JSON objects in the artifact store. Bytes stay in the store.
-- Times are Unix seconds (bigint), as the OpenAI API shows them; `record` columns hold the validated objects the
-- services already define with zod (contracts), the other columns are what queries filter, sort and join on.

CREATE TABLE tenants (
  id          text PRIMARY KEY,
  created_at  bigint NOT NULL
);

-- API keys, stored as SHA-256 hashes: the key itself is shown once, when it is created.
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  tenant      text NOT NULL REFERENCES tenants (id),
  key_hash    text NOT NULL UNIQUE,
  -- The first characters of the key, so that people can tell their keys apart in a list.
  key_hint    text NOT NULL,
  name        text,
  admin       boolean NOT NULL DEFAULT false,
  created_at  bigint NOT NULL,
  revoked_at  bigint
);
CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at);

-- Per-tenant limits; a NULL column falls back to the deployment's default (TF_DEFAULT_QUOTAS).
CREATE TABLE quotas (
  tenant                  text PRIMARY KEY REFERENCES tenants (id),
  concurrent_jobs         integer,
  stored_bytes            bigint,
  trained_tokens_per_day  bigint
);

CREATE TABLE files (
  tenant      text NOT NULL,
  id          text NOT NULL,
  purpose     text NOT NULL,
  bytes       bigint NOT NULL,
  created_at  bigint NOT NULL,
  record      jsonb NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX files_by_time ON files (tenant, created_at DESC, id DESC);

-- A job: the accepted request and resolved config (`record`), and the furthest status it reached.
CREATE TABLE jobs (
  tenant          text NOT NULL,
  id              text NOT NULL,
  created_at      bigint NOT NULL,
  status          text NOT NULL DEFAULT 'validating_files',
  status_rank     integer NOT NULL DEFAULT 0,
  finished_at     bigint,
  trained_tokens  bigint,
  record          jsonb NOT NULL,
  PRIMARY KEY (tenant, id)
);
-- Job ids sort by creation time: the list's order and its cursor.
CREATE INDEX jobs_by_id ON jobs (tenant, id DESC);
CREATE INDEX jobs_active ON jobs (tenant) WHERE finished_at IS NULL;
CREATE INDEX jobs_finished ON jobs (tenant, finished_at) WHERE finished_at IS NOT NULL;

-- Each status a job reached, once (a redelivered change finds its row).
CREATE TABLE job_statuses (
  tenant   text NOT NULL,
  job_id   text NOT NULL,
  status   text NOT NULL,
  record   jsonb NOT NULL,
  PRIMARY KEY (tenant, job_id, status),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, id) ON DELETE CASCADE
);

-- Events in arrival order (`seq`), listed newest first by (created_at, seq): a page is an index range scan.
CREATE TABLE job_events (
  seq         bigserial PRIMARY KEY,
  tenant      text NOT NULL,
  job_id      text NOT NULL,
  event_id    text NOT NULL,
  type        text NOT NULL,
  created_at  bigint NOT NULL,
  record      jsonb NOT NULL,
  UNIQUE (tenant, job_id, event_id),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, id) ON DELETE CASCADE
);
CREATE INDEX job_events_page ON job_events (tenant, job_id, created_at DESC, seq DESC);
CREATE INDEX job_events_arrival ON job_events (tenant, job_id, seq);

CREATE TABLE job_checkpoints (
  tenant      text NOT NULL,
  job_id      text NOT NULL,
  run_id      text NOT NULL,
  step        integer NOT NULL,
  created_at  bigint NOT NULL,
  record      jsonb NOT NULL,
  PRIMARY KEY (tenant, job_id, run_id, step),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, id) ON DELETE CASCADE
);

CREATE TABLE job_approvals (
  tenant       text NOT NULL,
  job_id       text NOT NULL,
  approval_id  text NOT NULL,
  created_at   bigint NOT NULL,
  record       jsonb NOT NULL,
  PRIMARY KEY (tenant, job_id, approval_id),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, id) ON DELETE CASCADE
);

-- The first answer to a question wins: the primary key lets exactly one insert through.
CREATE TABLE job_answers (
  tenant       text NOT NULL,
  job_id       text NOT NULL,
  approval_id  text NOT NULL,
  record       jsonb NOT NULL,
  PRIMARY KEY (tenant, job_id, approval_id),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, id) ON DELETE CASCADE
);

CREATE TABLE job_iterations (
  tenant     text NOT NULL,
  job_id     text NOT NULL,
  iteration  integer NOT NULL,
  stage      text NOT NULL,
  record     jsonb NOT NULL,
  PRIMARY KEY (tenant, job_id, iteration, stage),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, id) ON DELETE CASCADE
);

-- The files made of a succeeded job's results (the step-metrics CSV), written before the `succeeded` status.
CREATE TABLE job_result_files (
  tenant    text NOT NULL,
  job_id    text NOT NULL,
  file_ids  jsonb NOT NULL,
  PRIMARY KEY (tenant, job_id),
  FOREIGN KEY (tenant, job_id) REFERENCES jobs (tenant, id) ON DELETE CASCADE
);

-- Models by their OpenAI id, per tenant; the operator's own scope (`tenant` = '_operator') holds models every
-- tenant may use.
CREATE TABLE models (
  tenant      text NOT NULL,
  id          text NOT NULL,
  kind        text NOT NULL,
  created_at  bigint NOT NULL,
  record      jsonb NOT NULL,
  deleted_at  bigint,
  PRIMARY KEY (tenant, id)
);

-- Messages a consumer group has finished (Kafka delivers at least once), kept until they expire.
CREATE TABLE idempotency_keys (
  consumer    text NOT NULL,
  key         text NOT NULL,
  expires_at  bigint NOT NULL,
  PRIMARY KEY (consumer, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Messages written in the same transaction as the records they announce, published by a relay once the bus
-- takes them (the transactional outbox): a bus outage delays an announcement, it never loses one.
CREATE TABLE outbox (
  seq         bigserial PRIMARY KEY,
  topic       text NOT NULL,
  message     jsonb NOT NULL,
  created_at  bigint NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text
);

-- The orchestrator's record of each run's training curve (the debugger's input) and its validation losses.
CREATE TABLE curve_points (
  job_id  text NOT NULL,
  run_id  text NOT NULL,
  kind    text NOT NULL CHECK (kind IN ('train', 'validation')),
  step    integer NOT NULL,
  point   jsonb NOT NULL,
  PRIMARY KEY (job_id, run_id, kind, step)
);
