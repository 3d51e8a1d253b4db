// Generates the JSON schemas kubeconform validates against, offline, from sources that come through
// package registries (GitHub, where kubeconform would fetch them, is not reachable from CI):
//   Kubernetes  swagger.json of the k8s.io/kubernetes Go module     (go mod download)
//   KEDA        config/crd of the github.com/kedacore/keda/v2 module (go mod download)
//   Strimzi     crds/ inside io.strimzi:api:<version>:tests          (Maven Central)
// Output: k8s/schemas/<kind>-<group>-<version>.json, the file names kubeconform's
// `{{ .ResourceKind }}{{ .KindSuffix }}.json` template resolves to. Each schema is standalone (the
// definitions it uses are embedded) and strict (no property a schema does not declare).
// Run: node -r @swc-node/register tools/k8s/src/generate-schemas.ts [kubernetes] [keda] [strimzi]
//   (naming sources regenerates only theirs and leaves the other files as they are)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const KUBERNETES_VERSION = 'v1.32.13';
export const KEDA_VERSION = 'v2.16.1';
export const STRIMZI_VERSION = '0.49.1';

/** Kubernetes kinds the manifests use, as group/version/kind ('' = core group). */
const KUBERNETES_KINDS: ReadonlyArray<[string, string, string]> = [
  ['', 'v1', 'Namespace'],
  ['', 'v1', 'ConfigMap'],
  ['', 'v1', 'Secret'],
  ['', 'v1', 'Service'],
  ['', 'v1', 'ServiceAccount'],
  ['apps', 'v1', 'Deployment'],
  ['apps', 'v1', 'StatefulSet'],
  ['batch', 'v1', 'Job'],
  ['rbac.authorization.k8s.io', 'v1', 'Role'],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding'],
  ['networking.k8s.io', 'v1', 'NetworkPolicy'],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler'],
  ['policy', 'v1', 'PodDisruptionBudget'],
  // The admission policy that holds the trainer to its training Job template (k8s/base/training/admission-policy.yaml).
  ['admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy'],
  ['admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicyBinding'],
];

type Schema = Record<string, unknown>;

const root = join(__dirname, '..', '..', '..');
const outDir = join(root, 'k8s', 'schemas');

function goModuleDir(module: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', module], { cwd: '/', encoding: 'utf8' });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

function schemaFileName(group: string, version: string, kind: string): string {
  const groupPart = group === '' ? '' : `-${group.split('.')[0]}`;
  return `${kind.toLowerCase()}${groupPart}-${version}.json`;
}

/** Quantities and int-or-strings are written as numbers or strings in YAML. */
const NUMBER_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const QUANTITY = { oneOf: [{ type: 'string' }, { type: 'number' }] };

/** Adds additionalProperties:false to every object schema that lists its properties and allows no others. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const schema = node as Schema;
  if (schema['x-kubernetes-int-or-string'] === true) return NUMBER_OR_STRING;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strict(v)])) : strict(value);
  }
  if (out.properties && out.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

function kubernetesSchemas(): Map<string, Schema> {
  const swagger = JSON.parse(
    readFileSync(join(goModuleDir(`k8s.io/kubernetes@${KUBERNETES_VERSION}`), 'api', 'openapi-spec', 'swagger.json'), 'utf8'),
  ) as { definitions: Record<string, Schema> };
  const definitions = { ...swagger.definitions };
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = NUMBER_OR_STRING;
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = QUANTITY;

  const byKind = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    for (const gvk of (definition['x-kubernetes-group-version-kind'] as Array<Record<string, string>> | undefined) ?? []) {
      byKind.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
  }

  const schemas = new Map<string, Schema>();
  for (const [group, version, kind] of KUBERNETES_KINDS) {
    const name = byKind.get(`${group}/${version}/${kind}`);
    if (!name) throw new Error(`no definition for ${group}/${version} ${kind} in Kubernetes ${KUBERNETES_VERSION}`);
    // The definitions this kind reaches, so the file stands alone.
    const used = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node as Schema)) {
        if (key === '$ref' && typeof value === 'string') {
          const target = value.replace('#/definitions/', '');
          if (!used.has(target)) {
            used.add(target);
            visit(definitions[target]);
          }
        } else visit(value);
      }
    };
    visit(definitions[name]);
    const root = strict(definitions[name]) as Schema;
    // apiVersion and kind must name this kind exactly.
    const properties = root.properties as Schema;
    properties.apiVersion = { type: 'string', enum: [group === '' ? version : `${group}/${version}`] };
    properties.kind = { type: 'string', enum: [kind] };
    schemas.set(schemaFileName(group, version, kind), {
      $schema: 'http://json-schema.org/draft-07/schema#',
      description: `${kind} ${group === '' ? version : `${group}/${version}`} from Kubernetes ${KUBERNETES_VERSION} swagger.json`,
      ...root,
      definitions: Object.fromEntries([...used].sort().map((target) => [target, strict(definitions[target])])),
    });
  }
  return schemas;
}

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: Schema } }>;
  };
}

function crdSchemas(crdYaml: string, versions: readonly string[], source: string): Map<string, Schema> {
  const crd = parse(crdYaml) as Crd;
  const schemas = new Map<string, Schema>();
  for (const version of crd.spec.versions.filter((v) => versions.includes(v.name))) {
    const schema = strict(version.schema.openAPIV3Schema) as Schema;
    const properties = { ...(schema.properties as Schema) };
    properties.apiVersion = { type: 'string', enum: [`${crd.spec.group}/${version.name}`] };
    properties.kind = { type: 'string', enum: [crd.spec.names.kind] };
    // The API server validates metadata itself; CRD schemas leave it open.
    properties.metadata = { type: 'object' };
    schemas.set(schemaFileName(crd.spec.group, version.name, crd.spec.names.kind), {
      $schema: 'http://json-schema.org/draft-07/schema#',
      description: `${crd.spec.names.kind} ${crd.spec.group}/${version.name} from ${source}`,
      ...schema,
      properties,
    });
  }
  return schemas;
}

function kedaSchemas(): Map<string, Schema> {
  const dir = goModuleDir(`github.com/kedacore/keda/v2@${KEDA_VERSION}`);
  const schemas = new Map<string, Schema>();
  // TriggerAuthentication: how the Kafka scaler logs in to the SASL listener (k8s/base/kafka/keda-auth.yaml).
  for (const file of ['keda.sh_scaledobjects.yaml', 'keda.sh_triggerauthentications.yaml']) {
    for (const [name, schema] of crdSchemas(readFileSync(join(dir, 'config', 'crd', 'bases', file), 'utf8'), ['v1alpha1'], `github.com/kedacore/keda/v2@${KEDA_VERSION} config/crd`)) {
      schemas.set(name, schema);
    }
  }
  return schemas;
}

function strimziSchemas(): Map<string, Schema> {
  const url = `https://repo1.maven.org/maven2/io/strimzi/api/${STRIMZI_VERSION}/api-${STRIMZI_VERSION}-tests.jar`;
  const jar = join(process.env.TMPDIR ?? '/tmp', `strimzi-api-${STRIMZI_VERSION}-tests.jar`);
  execFileSync('curl', ['-fsSL', '-o', jar, url]);
  const schemas = new Map<string, Schema>();
  // KafkaUser: each service's SCRAM user and ACLs (k8s/base/kafka/users.generated.yaml).
  for (const file of ['040-Crd-kafka.yaml', '045-Crd-kafkanodepool.yaml', '043-Crd-kafkatopic.yaml', '044-Crd-kafkauser.yaml']) {
    const yaml = execFileSync('unzip', ['-p', jar, `crds/v1beta2/${file}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    for (const [name, schema] of crdSchemas(yaml, ['v1beta2'], `io.strimzi:api:${STRIMZI_VERSION}:tests (Maven Central) crds/v1beta2/${file}`)) {
      schemas.set(name, schema);
    }
  }
  rmSync(jar);
  return schemas;
}

const SOURCES: Readonly<Record<string, () => Map<string, Schema>>> = { kubernetes: kubernetesSchemas, keda: kedaSchemas, strimzi: strimziSchemas };

function main(): void {
  const named = process.argv.slice(2);
  const unknown = named.filter((source) => !(source in SOURCES));
  if (unknown.length > 0) throw new Error(`unknown schema sources ${unknown.join(', ')} (expected ${Object.keys(SOURCES).join(', ')})`);
  mkdirSync(outDir, { recursive: true });
  // Every schema is written again (README.md, written by hand, stays), or only the named sources' schemas.
  if (named.length === 0) for (const file of readdirSync(outDir).filter((name) => name.endsWith('.json'))) rmSync(join(outDir, file));
  const all = new Map((named.length > 0 ? named : Object.keys(SOURCES)).flatMap((source) => [...SOURCES[source]!()]));
  for (const [file, schema] of all) {
    writeFileSync(join(outDir, file), `${JSON.stringify(schema)}\n`);
    console.log(`wrote k8s/schemas/${file}`);
  }
}

main();
