// Every overlay, rendered by the pinned kustomize, passes kubeconform (strict, committed schemas) and
// the policy check; so does the training Job template the trainer uses; and a broken manifest does not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedManifests, formatViolations, parseManifests } from '../src/policy';
import { OVERLAYS, renderOverlay, TRAINING_JOB_TEMPLATE } from '../src/tools';
import { validateManifests } from '../src/validate';

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const report = validateManifests(overlay, renderOverlay(overlay));

  it('passes kubeconform in strict mode', () => {
    expect(report.schema.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
    expect(report.schema.ok).toBe(true);
  });

  it('passes the policy check', () => {
    expect(formatViolations(report.violations)).toBe('');
  });

  it('carries the training Job template in a ConfigMap, validated with the overlay', () => {
    const embedded = embeddedManifests(parseManifests(renderOverlay(overlay)));
    expect(embedded.map(({ carrier, manifest }) => `${carrier}: ${manifest.kind}`)).toEqual([
      'ConfigMap/tuneforge-training-job-template: Job',
    ]);
  });
});

describe('training Job template', () => {
  const report = validateManifests('training Job template', readFileSync(TRAINING_JOB_TEMPLATE, 'utf8'), { wholeDeployment: false });

  it('passes kubeconform and the policy check', () => {
    expect(report.schema.ok).toBe(true);
    expect(formatViolations(report.violations)).toBe('');
  });
});

describe('a deliberately broken manifest', () => {
  const report = validateManifests('fixture', readFileSync(join(__dirname, 'fixtures', 'broken-deployment.yaml'), 'utf8'), {
    wholeDeployment: false,
  });

  it('is rejected by kubeconform', () => {
    expect(report.schema.ok).toBe(false);
    expect(report.schema.output).toMatch(/additional properties 'securityContex' not allowed/);
  });

  it('is rejected by the policy check', () => {
    expect(report.violations.map((v) => v.rule)).toEqual(
      expect.arrayContaining(['run-as-non-root', 'seccomp', 'no-privilege-escalation', 'drop-all-capabilities', 'read-only-root-filesystem']),
    );
  });

  it('is rejected by kubeconform for a wrong type and an unknown kind too', () => {
    const wrongType = validateManifests('t', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: "eighty"}]}\n', { wholeDeployment: false });
    expect(wrongType.schema.ok).toBe(false);
    const unknownKind = validateManifests('k', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n', { wholeDeployment: false });
    expect(unknownKind.schema.ok).toBe(false);
  });
});
