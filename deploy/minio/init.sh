#!/bin/sh
# One-shot step (docker-compose.yml "minio-init", the minio/mc image): the bucket of ad
# creatives, and the application's own MinIO user allowed into that bucket only. Safe to
# run again: every step leaves what is already there as it is.
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$MINIO_BUCKET"
cat > /tmp/buyfree-app-policy.json <<POLICY
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                 "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
   "Resource": ["arn:aws:s3:::$MINIO_BUCKET/*"]},
  {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"],
   "Resource": ["arn:aws:s3:::$MINIO_BUCKET"]}]}
POLICY
mc admin policy create local buyfree-app /tmp/buyfree-app-policy.json
mc admin user add local "$MINIO_APP_ACCESS_KEY" "$MINIO_APP_SECRET_KEY"
# Attaching twice is refused ("already attached"): that is the state wanted.
mc admin policy attach local buyfree-app --user "$MINIO_APP_ACCESS_KEY" 2>/dev/null || \
  mc admin user info local "$MINIO_APP_ACCESS_KEY" | grep -q buyfree-app
echo "bucket $MINIO_BUCKET and user $MINIO_APP_ACCESS_KEY ready"
