/**
 * The restricted Pod Security Standard, as every pod of the platform applies it. One definition, so the
 * generated manifests, the hand-written ones (which copy these values) and the policy check agree.
 */
export const RUN_AS_USER = 10001;

export const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  fsGroup: RUN_AS_USER,
  seccompProfile: { type: 'RuntimeDefault' },
};

export const containerSecurityContext = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
