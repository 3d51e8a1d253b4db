// Renders every overlay and validates it (kubeconform strict + the policy check), then the training Job
// template on its own. Exit 1 on any failure. Run install-tools.sh first (`npx nx run k8s:validate` does).
import { readFileSync } from 'node:fs';
import { describe, validateManifests } from './validate';
import { OVERLAYS, renderOverlay, TRAINING_JOB_TEMPLATE } from './tools';

const reports = [
  ...OVERLAYS.map((overlay) => validateManifests(`overlay ${overlay}`, renderOverlay(overlay))),
  validateManifests('training Job template', readFileSync(TRAINING_JOB_TEMPLATE, 'utf8'), { wholeDeployment: false }),
];
for (const report of reports) console.log(describe(report));
if (reports.some((report) => !report.schema.ok || report.violations.length > 0)) process.exit(1);
