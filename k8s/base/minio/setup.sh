#!/bin/sh
# Creates the bucket and one MinIO user per service (credentials from the tuneforge-s3-<service> Secrets,
# mounted under /credentials/<service>), each bound to a policy limited to the bucket. Idempotent.
set -eu
mc alias set tf http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
until mc ready tf >/dev/null 2>&1; do sleep 2; done
mc mb --ignore-existing "tf/$TF_S3_BUCKET"
mc admin policy create tf tuneforge-rw /setup/tuneforge-rw.json
for dir in /credentials/*; do
  service=$(basename "$dir")
  access_key=$(cat "$dir/TF_S3_ACCESS_KEY")
  mc admin user add tf "$access_key" "$(cat "$dir/TF_S3_SECRET_KEY")"
  # Attaching an already attached policy is an error in mc; the state we want is reached either way.
  mc admin policy attach tf tuneforge-rw --user "$access_key" >/dev/null 2>&1 || true
  echo "user for $service ready"
done
