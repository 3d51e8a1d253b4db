import { stringify } from 'yaml';
import { checkManifests, embeddedManifests, formatViolations, parseManifests, type Violation } from './policy';
import { kubeconform, type KubeconformResult } from './tools';

export interface ValidationReport {
  readonly name: string;
  readonly resources: number;
  readonly schema: KubeconformResult;
  readonly violations: readonly Violation[];
}

/**
 * Schema and policy validation of one rendered set of manifests. Manifests carried inside ConfigMaps
 * (the training Job template) are validated against their own schemas too.
 */
export function validateManifests(name: string, yamlText: string, { wholeDeployment = true } = {}): ValidationReport {
  const manifests = parseManifests(yamlText);
  const embedded = embeddedManifests(manifests).map(({ manifest }) => `---\n${stringify(manifest)}`);
  return {
    name,
    resources: manifests.length + embedded.length,
    schema: kubeconform([yamlText, ...embedded].join('\n')),
    violations: checkManifests(manifests, { wholeDeployment }),
  };
}

export function describe(report: ValidationReport): string {
  const lines = [`${report.name}: ${report.resources} resources`, `  kubeconform: ${report.schema.output.replace(/\n/g, '\n  ')}`];
  lines.push(report.violations.length === 0 ? '  policy: ok' : `  policy:\n${formatViolations(report.violations).replace(/^/gm, '    ')}`);
  return lines.join('\n');
}
