-- How many times a consumer group started handling a message without finishing it (issue #18): a message whose
-- handler kills its worker (out of memory, a crash in native code) comes back after each restart; counted here,
-- durably, it is dead-lettered after a few starts instead of crash-looping every replica. Rows are deleted once
-- the message's outcome is recorded.
CREATE TABLE delivery_attempts (
  consumer    text NOT NULL,
  key         text NOT NULL,
  attempts    integer NOT NULL,
  last_at     bigint NOT NULL,
  PRIMARY KEY (consumer, key)
);
