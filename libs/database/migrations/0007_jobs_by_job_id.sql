-- Services that read a training pod's messages look a job up by its id alone, to learn its tenant of record
-- (docs/security.md, "Messages a pod can write"): the (tenant, id) primary key cannot serve that, so each such
-- message scanned the whole table. Job ids are unique in practice (random), but not declared so across tenants.
CREATE INDEX jobs_by_job_id ON jobs (id);
