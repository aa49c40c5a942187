// Validates deploy/k8s's manifests offline, without a cluster:
//   node validate.mjs DIR
// Every YAML document of DIR/*.yaml (kustomization.yaml: only its resource
// list) is checked against Kubernetes' OpenAPI schemas (the classes of npm's
// kubernetes-models), for unknown fields (which `kubectl apply` refuses and
// the schemas let through), and against hpo's rules below. Prints
// "ok Kind/name" per object, then runs negative cases: broken copies of the
// coordinator's StatefulSet that must each be refused, so a checker that
// accepts everything fails too. Exit status 1 on any error, naming the file,
// the document, the object and the error.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const NAMESPACE = "hpo";
// As kubectl reads YAML (1.1: 0440 is octal, yes/no are booleans).
const YAML_OPTIONS = { version: "1.1" };

// The kubernetes-models class of apiVersion/kind ("apps/v1" ->
// kubernetes-models/apps/v1), or an error.
async function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) {
    throw new Error(`apiVersion ${JSON.stringify(apiVersion)} is not GROUP/VERSION`);
  }
  let module;
  try {
    module = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    throw new Error(`unknown apiVersion ${apiVersion}`);
  }
  const cls = typeof kind === "string" ? module[kind] : undefined;
  if (typeof cls !== "function" || cls.apiVersion !== apiVersion || cls.kind !== kind) {
    throw new Error(`unknown kind ${JSON.stringify(kind)} in ${apiVersion}`);
  }
  return cls;
}

// A view of `value` that records which keys the schema's validator reads.
// The validators read every property their schema knows and enumerate only
// maps (labels, resources.limits), so a key of a record that was neither
// read nor enumerated is a field the schema does not have.
function tracked(value, path, nodes) {
  if (value === null || typeof value !== "object") return value;
  const node = { value, path, read: new Set(), enumerated: false, children: new Map() };
  nodes.push(node);
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || !Object.hasOwn(target, key)) return v;
      node.read.add(key);
      if (!node.children.has(key)) node.children.set(key, tracked(v, `${path}/${key}`, nodes));
      return node.children.get(key);
    },
    ownKeys(target) {
      node.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

// Schema errors and unknown fields of one object.
async function schemaErrors(object) {
  let cls;
  try {
    cls = await modelClass(object.apiVersion, object.kind);
  } catch (error) {
    return [error.message];
  }
  const errors = [];
  try {
    new cls(object).validate();
  } catch (error) {
    errors.push(`schema: ${error.message}`);
  }
  const nodes = [];
  try {
    cls.prototype.validate.call(tracked(object, "", nodes));
  } catch {
    // reported above
  }
  const unknown = [];
  for (const node of nodes) {
    if (node.enumerated || Array.isArray(node.value)) continue;
    for (const key of Object.keys(node.value)) {
      if (!node.read.has(key)) unknown.push(`${node.path}/${key}`);
    }
  }
  return errors.concat(unknown.map((field) => `schema: unknown field ${field}`));
}

// The pod spec of a workload, or undefined.
function podSpec(object) {
  if (object.kind === "Pod") return object.spec;
  if (object.kind === "CronJob") return object.spec?.jobTemplate?.spec?.template?.spec;
  return object.spec?.template?.spec;
}

// hpo's rules for what runs: non-root with a read-only root, limits, a
// pinned image, no host namespaces; the coordinator a one-replica StatefulSet
// on ReadWriteOnce volumes, with probes; everything in the hpo namespace.
function ruleErrors(object) {
  const errors = [];
  if (object.kind !== "Namespace" && object.metadata?.namespace !== NAMESPACE) {
    errors.push(`metadata.namespace must be ${NAMESPACE}`);
  }
  const spec = podSpec(object);
  if (spec === undefined) return errors;
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[field]) errors.push(`${field} must not be set`);
  }
  const pod = spec.securityContext ?? {};
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  let coordinator = false;
  for (const c of containers) {
    const where = `container ${c.name}`;
    const sc = c.securityContext ?? {};
    const limits = c.resources?.limits ?? {};
    if (limits.cpu === undefined || limits.memory === undefined) {
      errors.push(`${where}: resources.limits needs cpu and memory`);
    }
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) errors.push(`${where}: runAsNonRoot must be true`);
    if (sc.readOnlyRootFilesystem !== true) errors.push(`${where}: readOnlyRootFilesystem must be true`);
    if (sc.allowPrivilegeEscalation !== false) errors.push(`${where}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) errors.push(`${where}: capabilities must drop ALL`);
    if ((sc.seccompProfile ?? pod.seccompProfile)?.type !== "RuntimeDefault") {
      errors.push(`${where}: seccompProfile must be RuntimeDefault`);
    }
    const image = String(c.image ?? "");
    const tag = image.includes("@") ? "digest" : image.split("/").pop().split(":")[1];
    if (tag === undefined || tag === "latest") errors.push(`${where}: image ${image} needs a tag other than latest`);
    if (c.imagePullPolicy !== "IfNotPresent") errors.push(`${where}: imagePullPolicy must be IfNotPresent`);
    if ((c.command ?? [])[0] === "hpo-coordinator") {
      coordinator = true;
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        if (c[probe] === undefined) errors.push(`${where}: the coordinator needs a ${probe}`);
      }
    }
  }
  if (coordinator) {
    if (object.kind !== "StatefulSet") errors.push("the coordinator must be a StatefulSet");
    if (object.spec?.replicas !== 1) errors.push("the coordinator's replicas must be 1 (SQLite has one writer)");
    const claims = object.spec?.volumeClaimTemplates ?? [];
    if (claims.length === 0) errors.push("the coordinator needs a volumeClaimTemplate for its database");
    for (const claim of claims) {
      const modes = claim.spec?.accessModes ?? [];
      if (modes.length !== 1 || !["ReadWriteOnce", "ReadWriteOncePod"].includes(modes[0])) {
        errors.push(`volumeClaimTemplate ${claim.metadata?.name}: accessModes must be [ReadWriteOnce]`);
      }
    }
  }
  return errors;
}

async function objectErrors(object) {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return ["a document must be a mapping"];
  }
  const errors = await schemaErrors(object);
  return errors.length > 0 ? errors : ruleErrors(object);
}

const label = (object) => `${object?.kind}/${object?.metadata?.name}`;

// kustomization.yaml: its namespace, and resources that exist.
function kustomizationErrors(dir, text) {
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  const k = docs[0]?.toJS();
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (k?.kind !== "Kustomization") errors.push("kind must be Kustomization");
  if (k?.namespace !== NAMESPACE) errors.push(`namespace must be ${NAMESPACE}`);
  for (const resource of k?.resources ?? []) {
    if (!existsSync(join(dir, resource))) errors.push(`resource ${resource} does not exist`);
  }
  return errors;
}

async function main(dir) {
  const failures = [];
  const objects = [];
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    if (file === "kustomization.yaml") {
      const errors = kustomizationErrors(dir, text);
      errors.forEach((e) => failures.push(`${file}: ${e}`));
      if (errors.length === 0) console.log(`ok Kustomization (${file})`);
      continue;
    }
    const docs = parseAllDocuments(text, YAML_OPTIONS);
    for (const [index, doc] of docs.entries()) {
      const where = `${file}: document ${index + 1}`;
      if (doc.errors.length > 0) {
        doc.errors.forEach((e) => failures.push(`${where}: YAML: ${e.message}`));
        continue;
      }
      const object = doc.toJS();
      if (object === null) continue;  // comments only
      const errors = await objectErrors(object);
      errors.forEach((e) => failures.push(`${where}: ${label(object)}: ${e}`));
      if (errors.length === 0) console.log(`ok ${label(object)}`);
      objects.push(object);
    }
  }
  if (!objects.some((o) => o.kind === "StatefulSet" && ruleErrors(o).length === 0 &&
      podSpec(o).containers.some((c) => c.command?.[0] === "hpo-coordinator"))) {
    failures.push(`${dir}: no valid coordinator StatefulSet found`);
  }

  // Negative cases: each broken copy of the coordinator must be refused, for
  // the reason named.
  // Only from a valid coordinator: its own errors would hide the case's.
  let coordinator = objects.find((o) => o.kind === "StatefulSet");
  if (coordinator && (await objectErrors(coordinator)).length > 0) {
    console.log("negative cases not run: the coordinator's StatefulSet is invalid");
    coordinator = undefined;
  }
  const cases = [
    ["replicas: \"one\"", "must be integer", (o) => { o.spec.replicas = "one"; }],
    ["a container without a name", "required property name", (o) => { delete podSpec(o).containers[0].name; }],
    ["a misspelled field", "unknown field", (o) => { podSpec(o).containers[0].imagePullPolcy = "Always"; }],
    ["replicas: 2", "replicas must be 1", (o) => { o.spec.replicas = 2; }],
    ["a ReadWriteMany volume", "accessModes", (o) => { o.spec.volumeClaimTemplates[0].spec.accessModes = ["ReadWriteMany"]; }],
    ["no limits", "resources.limits", (o) => { delete podSpec(o).containers[0].resources.limits; }],
    ["no readiness probe", "readinessProbe", (o) => { delete podSpec(o).containers[0].readinessProbe; }],
    ["a writable root", "readOnlyRootFilesystem", (o) => { podSpec(o).containers[0].securityContext.readOnlyRootFilesystem = false; }],
    ["hostNetwork", "hostNetwork", (o) => { podSpec(o).hostNetwork = true; }],
    ["image :latest", "latest", (o) => { podSpec(o).containers[0].image = "hpo:latest"; }],
  ];
  for (const [name, expected, breakIt] of coordinator ? cases : []) {
    const broken = structuredClone(coordinator);
    breakIt(broken);
    const errors = await objectErrors(broken);
    if (errors.some((e) => e.includes(expected))) {
      console.log(`ok negative case (${name}) refused: ${errors.find((e) => e.includes(expected))}`);
    } else {
      failures.push(`negative case (${name}) of ${label(coordinator)}: expected an error with ` +
        `"${expected}", got ${errors.length ? errors.join("; ") : "none"}`);
    }
  }

  for (const failure of failures) console.error(`FAIL ${failure}`);
  console.log(`${objects.length} objects in ${files.length} files: ${failures.length ? "FAILED" : "all valid"}`);
  return failures.length === 0 ? 0 : 1;
}

if (process.argv.length !== 3) {
  console.error("usage: node validate.mjs DIR");
  process.exit(2);
}
process.exitCode = await main(process.argv[2]);
