-- Every dead letter a consumer group wrote (issue #18), beside its copy on the `<topic>.dlq` topic: what
-- `tuneforge admin dlq list` shows and `replay` sends again. `replayed_at` is set once it was sent again.
CREATE TABLE dead_letters (
  id                  bigserial PRIMARY KEY,
  original_topic      text NOT NULL,
  original_partition  integer NOT NULL,
  original_offset     text NOT NULL,
  original_key        text,
  original_value      text NOT NULL,
  original_headers    jsonb NOT NULL,
  consumer            text NOT NULL,
  service             text NOT NULL,
  reason              text NOT NULL,
  error               text NOT NULL,
  attempts            integer NOT NULL,
  failed_at           bigint NOT NULL,
  replayed_at         bigint,
  UNIQUE (consumer, original_topic, original_partition, original_offset)
);
CREATE INDEX dead_letters_pending ON dead_letters (id) WHERE replayed_at IS NULL;
