// The training Job template as k8s/base/training/job.yaml ships it (ConfigMap tuneforge-training-job-template):
// what the trainer uses when TF_TRAINING_JOB_TEMPLATE names no mounted file. A test in tools/k8s/test keeps
// this copy equal to the file, character for character.
export const DEFAULT_TRAINING_JOB_TEMPLATE = `# The GPU training Job the trainer creates for each training run (mounted into the trainer from the
# ConfigMap tuneforge-training-job-template). The trainer fills in, per run:
#   metadata.labels["tuneforge.dev/run-id"], ["tuneforge.dev/job-id"], spec.template.metadata.labels (same),
#   the container's TF_RUN_ID / TF_TASK_ID / TF_CORRELATION_ID env values, and \`image\` when a job pins one;
# it may lower or raise nvidia.com/gpu for the run. Everything else is the cluster operator's to tune here.
# A crash mid-run is handled by the platform (resume from the last checkpoint through a new task), so the
# Job itself retries only briefly.
apiVersion: batch/v1
kind: Job
metadata:
  generateName: tuneforge-train-
  labels:
    app.kubernetes.io/name: train-pod
    app.kubernetes.io/part-of: tuneforge
    app.kubernetes.io/component: training
    tuneforge.dev/run-id: unset
    tuneforge.dev/job-id: unset
spec:
  # Longest a single run may take, pulls and checkpoint uploads included.
  activeDeadlineSeconds: 86400
  # A failed pod is relaunched by the trainer, which resumes it from its last checkpoint; only node-level
  # disruptions (preemption, GPU node drained) are retried here, without counting as failures.
  backoffLimit: 0
  podFailurePolicy:
    rules:
      - action: Ignore
        onPodConditions:
          - type: DisruptionTarget
            status: "True"
  # Keep the finished Job an hour for \`kubectl logs\`; the run's record lives in Kafka and MinIO.
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels:
        app.kubernetes.io/name: train-pod
        app.kubernetes.io/part-of: tuneforge
        app.kubernetes.io/component: training
        tuneforge.dev/run-id: unset
        tuneforge.dev/job-id: unset
    spec:
      restartPolicy: Never
      serviceAccountName: train-pod
      automountServiceAccountToken: false
      # Checkpoints are committed as the run goes: a pod stopped here resumes from the last one when relaunched.
      terminationGracePeriodSeconds: 120
      nodeSelector:
        nvidia.com/gpu.present: "true"
      tolerations:
        - key: nvidia.com/gpu
          operator: Exists
          effect: NoSchedule
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: train-pod
          image: tuneforge/train-pod:latest
          imagePullPolicy: IfNotPresent
          # No storage keys here: the trainer writes keys minted for each run (MinIO STS, its prefixes only, until
          # the Job's deadline) into the Job it creates. Kafka as the training pods' own user (its ACLs: produce the
          # run's events, read run control; docs/security.md).
          envFrom:
            - configMapRef:
                name: tuneforge-config
          env:
            - name: TF_KAFKA_SASL_USERNAME
              value: tuneforge-kafka-train-pod
            - name: TF_KAFKA_SASL_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: tuneforge-kafka-train-pod
                  key: password
            - name: TF_HTTP_HOST
              value: 0.0.0.0
            - name: TF_HTTP_PORT
              value: "8080"
            - name: TF_INSTANCE_ID
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: TF_RUN_ID
              value: unset
            - name: TF_TASK_ID
              value: unset
            - name: TF_CORRELATION_ID
              value: unset
            - name: TF_WORK_DIR
              value: /work
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          resources:
            requests:
              cpu: "4"
              memory: 32Gi
              nvidia.com/gpu: "1"
            limits:
              memory: 64Gi
              nvidia.com/gpu: "1"
          securityContext:
            allowPrivilegeEscalation: false
            privileged: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: work
              mountPath: /work
            - name: dshm
              mountPath: /dev/shm
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 1Gi
        # Base weights, the dataset and checkpoints before upload: local disk, sized for a 7B model.
        - name: work
          emptyDir:
            sizeLimit: 100Gi
        # NCCL and pinned-memory transfers use shared memory; the container default (64 MiB) is too small.
        - name: dshm
          emptyDir:
            medium: Memory
            sizeLimit: 16Gi
`;
