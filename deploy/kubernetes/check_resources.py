"""Checks the manifests under deploy/kubernetes that no Kubernetes schema covers.

kubernetes-validate knows the built-in kinds only. The custom resources of
Strimzi (Kafka, KafkaNodePool, KafkaUser), CloudNativePG (Cluster,
ScheduledBackup) and the Prometheus operator (ServiceMonitor) are checked here
for well-formed YAML, their required keys, and the settings the hub relies on;
then the hub's Deployment is checked against what those resources make (Secret
names, bootstrap address, job name). Every kustomization's resources and
generated files must exist. Prints one line per problem and exits 1 when there
is any.

usage: check_resources.py DIR
"""

import os
import sys

import yaml

problems = []


def problem(where, msg):
    problems.append(f"{where}: {msg}")


def get(doc, path, where):
    """Returns doc at the dotted path, or None after reporting it missing."""
    cur = doc
    for key in path.split("."):
        if not isinstance(cur, dict) or key not in cur:
            problem(where, f"no {path}")
            return None
        cur = cur[key]
    return cur


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        problem(path, f"not well-formed YAML: {e}")
        return []


def check_kustomizations(root):
    for dirpath, _, files in os.walk(root):
        if "kustomization.yaml" not in files:
            continue
        path = os.path.join(dirpath, "kustomization.yaml")
        for k in load(path):
            if k.get("kind") != "Kustomization":
                problem(path, "kind is not Kustomization")
            refs = list(k.get("resources", []))
            for gen in k.get("configMapGenerator", []) + k.get("secretGenerator", []):
                refs += [f.split("=", 1)[-1] for f in gen.get("files", [])]
            for ref in refs:
                if not os.path.exists(os.path.join(dirpath, ref)):
                    problem(path, f"names {ref}, which does not exist")


def main(root):
    check_kustomizations(root)
    docs = []
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".yaml") and name != "kustomization.yaml":
                path = os.path.join(dirpath, name)
                docs += [(path, d) for d in load(path)]
    by_kind = {}
    for path, d in docs:
        if not isinstance(d, dict):
            problem(path, "a document is not a mapping")
            continue
        if "kind" not in d:
            continue  # the hub's own config files
        where = f"{path}: {d['kind']} {d.get('metadata', {}).get('name', '?')}"
        for key in ("apiVersion", "kind", "metadata.name"):
            get(d, key, where)
        if d["kind"] not in ("Namespace", "ServiceAccount", "ConfigMap", "Secret"):
            get(d, "spec", where)
        by_kind.setdefault(d["kind"], []).append((where, d))

    kafkas = {}
    for where, d in by_kind.get("Kafka", []):
        if not d["apiVersion"].startswith("kafka.strimzi.io/"):
            problem(where, "apiVersion is not kafka.strimzi.io")
        ann = d["metadata"].get("annotations", {})
        if ann.get("strimzi.io/kraft") != "enabled" or ann.get("strimzi.io/node-pools") != "enabled":
            problem(where, "want annotations strimzi.io/kraft and strimzi.io/node-pools: enabled")
        cfg = get(d, "spec.kafka.config", where) or {}
        for key, want in {"default.replication.factor": 3, "min.insync.replicas": 2,
                          "offsets.topic.replication.factor": 3,
                          "unclean.leader.election.enable": False,
                          "auto.create.topics.enable": False}.items():
            if cfg.get(key) != want:
                problem(where, f"spec.kafka.config.{key} is {cfg.get(key)!r}, want {want!r}")
        listeners = get(d, "spec.kafka.listeners", where) or []
        for listener in listeners:
            for key in ("name", "port", "type", "tls"):
                get(listener, key, f"{where} listener {listener.get('name', '?')}")
        scram = [l for l in listeners if l.get("tls") and l.get("authentication", {}).get("type") == "scram-sha-512"]
        if not scram:
            problem(where, "no TLS listener with SCRAM-SHA-512 authentication")
        if get(d, "spec.kafka.authorization.type", where) != "simple":
            problem(where, "spec.kafka.authorization.type is not simple: ACLs of KafkaUsers would not apply")
        get(d, "spec.entityOperator.userOperator", where)
        kafkas[d["metadata"]["name"]] = scram[0]["port"] if scram else None

    roles = {}
    for where, d in by_kind.get("KafkaNodePool", []):
        cluster = d["metadata"].get("labels", {}).get("strimzi.io/cluster")
        if cluster not in kafkas:
            problem(where, f"label strimzi.io/cluster {cluster!r} names no Kafka")
        get(d, "spec.storage.type", where)
        for role in get(d, "spec.roles", where) or []:
            roles[role] = roles.get(role, 0) + (get(d, "spec.replicas", where) or 0)
    if kafkas and (roles.get("broker", 0) < 3 or roles.get("controller", 0) < 3):
        problem("strimzi", f"node pools give {roles}, want 3 brokers and 3 controllers at least")

    users = {}
    for where, d in by_kind.get("KafkaUser", []):
        cluster = d["metadata"].get("labels", {}).get("strimzi.io/cluster")
        if cluster not in kafkas:
            problem(where, f"label strimzi.io/cluster {cluster!r} names no Kafka")
        if get(d, "spec.authentication.type", where) != "scram-sha-512":
            problem(where, "spec.authentication.type is not scram-sha-512")
        for acl in get(d, "spec.authorization.acls", where) or []:
            for key in ("resource.type", "resource.name", "operations"):
                get(acl, key, where)
            if {"Delete", "AlterConfigs", "All"} & set(acl.get("operations", [])):
                problem(where, "an ACL grants Delete, AlterConfigs or All")
        users[d["metadata"]["name"]] = d

    clusters = set()
    for where, d in by_kind.get("Cluster", []):
        if not d["apiVersion"].startswith("postgresql.cnpg.io/"):
            problem(where, "apiVersion is not postgresql.cnpg.io")
        if (get(d, "spec.instances", where) or 0) < 2:
            problem(where, "spec.instances below 2: no standby")
        get(d, "spec.storage.size", where)
        boot = get(d, "spec.bootstrap", where) or {}
        if "recovery" in boot:
            source = boot["recovery"].get("source")
            if source not in [c.get("name") for c in d["spec"].get("externalClusters", [])]:
                problem(where, f"spec.bootstrap.recovery.source {source!r} names no externalClusters entry")
        else:
            get(d, "spec.backup.barmanObjectStore.destinationPath", where)
            get(d, "spec.backup.retentionPolicy", where)
            clusters.add(d["metadata"]["name"])

    for where, d in by_kind.get("ScheduledBackup", []):
        get(d, "spec.schedule", where)
        name = get(d, "spec.cluster.name", where)
        if name not in clusters:
            problem(where, f"spec.cluster.name {name!r} names no Cluster with backups")

    services = {d["metadata"]["name"]: d for _, d in by_kind.get("Service", [])}
    for where, d in by_kind.get("ServiceMonitor", []):
        sel = get(d, "spec.selector.matchLabels", where) or {}
        named = [n for n, s in services.items() if sel.items() <= s["metadata"].get("labels", {}).items()]
        if named != ["credex"]:
            problem(where, f"selects services {named}, want the one named credex (the job name the rules use)")
        for ep in get(d, "spec.endpoints", where) or []:
            get(ep, "port", where)

    for where, d in by_kind.get("Deployment", []):
        containers = d["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for c in containers for e in c.get("env", [])}
        secrets = {e["valueFrom"]["secretKeyRef"]["name"] for e in env.values()
                   if "secretKeyRef" in e.get("valueFrom", {})}
        for name in ("CREDEX_DATABASE_URL", "CREDEX_SUBJECT_KEY", "CREDEX_AUTHORISATION_KEY",
                     "CREDEX_KAFKA_SASL_PASSWORD"):
            if "secretKeyRef" not in env.get(name, {}).get("valueFrom", {}):
                problem(where, f"{name} is not read from a Secret")
        if env.get("CREDEX_KAFKA_REPLICATION_FACTOR", {}).get("value") != "3":
            problem(where, "CREDEX_KAFKA_REPLICATION_FACTOR is not 3")
        for kafka, port in kafkas.items():
            want = f"{kafka}-kafka-bootstrap:{port}"
            if env.get("CREDEX_KAFKA_BROKERS", {}).get("value") != want:
                problem(where, f"CREDEX_KAFKA_BROKERS is not {want}, Strimzi's bootstrap service")
            ca = [v["secret"]["secretName"] for v in d["spec"]["template"]["spec"].get("volumes", [])
                  if "secret" in v]
            if f"{kafka}-cluster-ca-cert" not in ca:
                problem(where, f"mounts no Secret {kafka}-cluster-ca-cert, the cluster's CA")
        mounted = [v["secret"]["secretName"] for v in d["spec"]["template"]["spec"].get("volumes", [])
                   if "secret" in v]
        for cluster in clusters:
            if f"{cluster}-ca" not in mounted:
                problem(where, f"mounts no Secret {cluster}-ca, the CA of the database's certificates")
        user = env.get("CREDEX_KAFKA_SASL_USERNAME", {}).get("value")
        if users and user not in users:
            problem(where, f"CREDEX_KAFKA_SASL_USERNAME {user!r} names no KafkaUser")
        if users and user not in secrets:
            problem(where, f"reads no Secret {user!r}, which Strimzi makes for the KafkaUser")

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
