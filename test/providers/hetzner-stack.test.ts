/**
 * The Hetzner example stack (`stacks/hetzner.ts`) under the mock runtime, the way Pulumi loads it: the mocks answer
 * with server and load balancer addresses as the hcloud plugin would once they exist (and leave them unknown in a
 * preview). Checks the resource tree, that every host step waits for its own server, the private network k3s uses,
 * the firewall, the load balancer's address in the gateway registration and the API certificate, the CSI driver and
 * its StorageClass, host-key pinning, and every rendered object against the Kubernetes schemas.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import type { StackOutputs } from "../../components/define-stack.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import {
  type Evaluated,
  evaluateStackFile,
  isSecretValue,
  outputValue,
  type RecordedResource,
  revealSecrets,
} from "../support/pulumi-mocks.ts";
import {
  fakePrivateKey,
  fakePublicKey,
  HETZNER_CONFIG,
  hetznerState,
  LB_ADDRESS,
  serverAddress,
  TOKEN,
} from "./hetzner-support.ts";

const STACK = "stacks/hetzner.ts";
const SERVER = "hcloud:index/server:Server";
const STEP = "command:remote:Command";
const HOSTS = ["server-1", "agent-1", "agent-2"];

let ev: Evaluated<StackOutputs>;

function steps(node: string): RecordedResource[] {
  const host = ev.get("skipper:cluster:K3sHost", `cluster-${node}`);
  return ev.childrenOf(host.urn).filter((r) => r.type === STEP);
}

function input<T = string>(r: RecordedResource, key: string): T {
  return ev.inputs(r)[key] as T;
}

/** The script a step's command runs (the command quotes it for `bash -c`). */
function innerScript(create: string): string {
  const m = /^skipper_script='([\s\S]*?)'\nif \[ "\$\(id -u\)" = 0 \]/m.exec(create);
  assert.ok(m, "the command wraps a script");
  return m[1]!.replaceAll("'\\''", "'");
}

/** The k3s config.yaml an install step writes (the quoted heredoc). */
function k3sConfig(node: string): Record<string, unknown> {
  const script = innerScript(input(ev.get(STEP, `cluster-${node}-install`), "create"));
  const m = /<<'SKIPPER_CONFIG'\n([\s\S]*?)SKIPPER_CONFIG/.exec(script);
  assert.ok(m, `no config in the install step of ${node}`);
  return parse(m[1]!) as Record<string, unknown>;
}

function k8sObjects(): K8sObject[] {
  return ev.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"))
    .map((r) => revealSecrets(r.inputs) as K8sObject);
}

/** The add-ons the first server writes to k3s's manifests folder. */
function addons(): K8sObject[] {
  const stdin = input(ev.get(STEP, "cluster-server-1-manifests"), "stdin");
  return parseAllDocuments(stdin).map((d) => d.toJSON() as K8sObject);
}

describe("stacks/hetzner.ts under mocks", () => {
  before(async () => {
    ev = await evaluateStackFile<StackOutputs>(STACK, { ...HETZNER_CONFIG, stateFor: hetznerState });
  });

  it("puts the Hetzner resources under the cluster: key, network, subnet, firewall, servers, load balancer", () => {
    const cluster = ev.get("skipper:cluster:K3sCluster", "cluster");
    const hcloud = ev.resources.filter((r) => r.type.startsWith("hcloud:") || r.type.startsWith("tls:"));
    for (const r of hcloud) assert.equal(r.parent, cluster.urn, `${r.type} ${r.name} sits under the cluster`);
    const count = (type: string) => ev.ofType(`hcloud:index/${type}`).length;
    assert.deepEqual(
      {
        key: count("sshKey:SshKey"),
        network: count("network:Network"),
        subnet: count("networkSubnet:NetworkSubnet"),
        firewall: count("firewall:Firewall"),
        servers: count("server:Server"),
        lb: count("loadBalancer:LoadBalancer"),
        lbNetwork: count("loadBalancerNetwork:LoadBalancerNetwork"),
        lbTargets: count("loadBalancerTarget:LoadBalancerTarget"),
        lbServices: count("loadBalancerService:LoadBalancerService"),
      },
      { key: 1, network: 1, subnet: 1, firewall: 1, servers: 3, lb: 1, lbNetwork: 1, lbTargets: 3, lbServices: 2 },
    );
    const names = ev.ofType(SERVER).map((s) => input(s, "name"));
    assert.deepEqual(names.sort(), ["acme-agent-1", "acme-agent-2", "acme-server-1"]);
    for (const s of ev.ofType(SERVER)) {
      assert.deepEqual(
        [input(s, "location"), input(s, "serverType"), input(s, "image")],
        ["fsn1", "cx22", "ubuntu-24.04"],
      );
      assert.ok(s.dependsOn.includes(ev.get("hcloud:index/networkSubnet:NetworkSubnet", "hcloud-acme-subnet").urn));
      // Servers are deleted with the stack: nothing keeps them.
      assert.equal(s.options.retainOnDelete, undefined);
      assert.equal(s.options.protect, undefined);
      // Its name is unique in the Hetzner project: a replacement frees it first. A new SSH key never replaces it.
      assert.equal(s.options.deleteBeforeReplace, true);
      assert.deepEqual(s.options.ignoreChanges, ["sshKeys"]);
    }
    // The stack's own SSH key is what Hetzner installs for root.
    const key = ev.get("hcloud:index/sshKey:SshKey", "hcloud-acme-ssh");
    assert.equal(input(key, "publicKey"), fakePublicKey("hcloud-acme-ssh"));
    for (const s of ev.ofType(SERVER)) assert.deepEqual(input<string[]>(s, "sshKeys"), ["hcloud-acme-ssh-id"]);
  });

  it("starts every host step only after its own server exists, and reaches it at that server's address", () => {
    for (const node of HOSTS) {
      const server = ev.get(SERVER, `hcloud-acme-${node}`);
      const list = steps(node);
      assert.ok(list.length >= 2, `${node} has steps`);
      for (const step of list) {
        assert.ok(step.dependsOn.includes(server.urn), `${step.name} waits for ${server.name}`);
        const connection = ev.inputs(step)["connection"] as Record<string, unknown>;
        assert.equal(connection["host"], serverAddress(`acme-${node}`), `${step.name} connects to its own server`);
        assert.ok(isSecretValue(step.inputs["connection"]), `${step.name}: the connection (private key) is secret`);
      }
      // Another server's creation is not what this host waits for.
      const others = HOSTS.filter((n) => n !== node).map((n) => ev.get(SERVER, `hcloud-acme-${n}`).urn);
      const preflight = list.find((s) => s.name.endsWith("-preflight"))!;
      for (const other of others) assert.ok(!preflight.dependsOn.includes(other) || node !== "server-1");
    }
  });

  it("pins each server's host key from cloud-init and never trusts another", () => {
    for (const node of HOSTS) {
      const server = ev.get(SERVER, `hcloud-acme-${node}`);
      assert.ok(isSecretValue(server.inputs["userData"]), "user data (with the host's private key) is secret");
      const userData = input(server, "userData");
      assert.ok(userData.startsWith("#cloud-config\n"));
      const doc = parse(userData) as Record<string, unknown>;
      const keyName = `hcloud-acme-${node}-host-key`;
      assert.deepEqual(doc["ssh_genkeytypes"], [], "the image generates no host key of its own");
      assert.equal(doc["ssh_deletekeys"], true);
      assert.deepEqual(doc["ssh_keys"], {
        ed25519_private: fakePrivateKey(keyName),
        ed25519_public: fakePublicKey(keyName).trim(),
      });
      for (const step of steps(node)) {
        const connection = ev.inputs(step)["connection"] as Record<string, unknown>;
        assert.equal(connection["hostKey"], fakePublicKey(keyName).trim(), `${step.name} pins ${node}'s key`);
        assert.equal(connection["privateKey"], fakePrivateKey("hcloud-acme-ssh"));
      }
    }
  });

  it("runs k3s over the private network: node IPs, flannel on their interface, joins to the first server's", () => {
    const network = ev.get("hcloud:index/network:Network", "hcloud-acme-network");
    const subnet = ev.get("hcloud:index/networkSubnet:NetworkSubnet", "hcloud-acme-subnet");
    assert.equal(input(network, "ipRange"), "10.0.0.0/16");
    assert.deepEqual([input(subnet, "ipRange"), input(subnet, "networkZone")], ["10.0.1.0/24", "eu-central"]);
    HOSTS.forEach((node, i) => {
      const ip = `10.0.1.${10 + i}`;
      const server = ev.get(SERVER, `hcloud-acme-${node}`);
      assert.equal(input<{ ip: string }[]>(server, "networks")[0]?.ip, ip);
      const config = k3sConfig(node);
      assert.equal(config["node-ip"], ip, `${node} uses its private address as node IP`);
      if (i > 0) assert.equal(config["server"], "https://10.0.1.10:6443", `${node} joins over the private network`);
      const create = innerScript(input(ev.get(STEP, `cluster-${node}-install`), "create"));
      assert.match(create, new RegExp(`node_ip='${ip.replaceAll(".", "\\.")}'`));
      assert.match(create, /flannel-iface: \$iface/, "flannel runs on the interface that holds the node IP");
    });
  });

  it("opens 22 and 6443 in the firewall, keeps web ports for the load balancer, and attaches it to every server", () => {
    const fw = ev.get("hcloud:index/firewall:Firewall", "hcloud-acme-firewall");
    const rules = input<Record<string, unknown>[]>(fw, "rules");
    const byPort = Object.fromEntries(
      rules.filter((r) => r["protocol"] === "tcp").map((r) => [r["port"], r["sourceIps"]]),
    );
    // With a load balancer, 80 and 443 reach the servers only through it, over the private network.
    assert.deepEqual(Object.keys(byPort).sort(), ["22", "6443"]);
    for (const port of ["22", "6443"]) assert.deepEqual(byPort[port], ["0.0.0.0/0", "::/0"]);
    assert.ok(rules.every((r) => r["direction"] === "in"));
    for (const s of ev.ofType(SERVER)) assert.ok(s.dependsOn.includes(fw.urn), `${s.name} carries the firewall`);
  });

  it("makes the load balancer's address the cluster's public address: registration, API certificate, output", async () => {
    const register = ev.get(STEP, "gateway-registration-register");
    const create = input(register, "create");
    assert.ok(create.includes(`"ip":"${LB_ADDRESS}"`), "the gateway proxies to the load balancer");
    assert.ok(create.includes(`"name":"acme"`));
    // It runs on the first server, reached at that server's own address.
    assert.equal(
      (ev.inputs(register)["connection"] as Record<string, unknown>)["host"],
      serverAddress("acme-server-1"),
    );
    assert.deepEqual(k3sConfig("server-1")["tls-san"], [serverAddress("acme-server-1"), LB_ADDRESS]);
    const lb = ev.get("hcloud:index/loadBalancer:LoadBalancer", "hcloud-acme-lb");
    const services = ev.ofType("hcloud:index/loadBalancerService:LoadBalancerService");
    assert.deepEqual(services.map((s) => input<number>(s, "listenPort")).sort(), [443, 80]);
    assert.ok(services.every((s) => input(s, "protocol") === "tcp" && s.dependsOn.includes(lb.urn)));
    for (const t of ev.ofType("hcloud:index/loadBalancerTarget:LoadBalancerTarget")) {
      assert.equal(input<boolean>(t, "usePrivateIp"), true, `${t.name} reaches its server on the private network`);
    }
    // The kubeconfig still points at the first server (the load balancer does not forward the API).
    assert.equal(ev.result.gatewayClusterId, "acme");
    assert.equal(await outputValue(ev.result.publicAddress), LB_ADDRESS, "DNS records go to the load balancer");
  });

  it("sends the client's address through the load balancer: PROXY protocol, trusted from its private address only", () => {
    const services = ev.ofType("hcloud:index/loadBalancerService:LoadBalancerService");
    assert.deepEqual(
      services.map((s) => input<boolean>(s, "proxyprotocol")),
      [true, true],
    );
    const attached = ev.get("hcloud:index/loadBalancerNetwork:LoadBalancerNetwork", "hcloud-acme-lb-network");
    const lbPrivate = input(attached, "ip");
    assert.equal(lbPrivate, "10.0.1.5");
    const traefik = addons().find((o) => o.kind === "HelmChartConfig" && o.metadata.name === "traefik");
    assert.ok(traefik, "Traefik's settings are among the add-ons");
    const values = parse((traefik["spec"] as { valuesContent: string }).valuesContent) as {
      ports: Record<string, { proxyProtocol?: { trustedIPs: string[]; insecure?: boolean } }>;
      service?: { spec?: { externalTrafficPolicy?: string } };
    };
    for (const entryPoint of ["web", "websecure"]) {
      assert.deepEqual(values.ports[entryPoint]?.proxyProtocol, { trustedIPs: [lbPrivate] }, entryPoint);
    }
    // kube-proxy must not masquerade the load balancer's connections, or the header would come from a node address.
    assert.equal(values.service?.spec?.externalTrafficPolicy, "Local");
  });

  it("installs the Hetzner CSI driver, with the API token in a Secret made through the cluster's provider", () => {
    const chart = addons().find((o) => o.kind === "HelmChart" && o.metadata.name === "hcloud-csi");
    assert.ok(chart, "the CSI chart is among the add-ons k3s deploys");
    const spec = chart["spec"] as Record<string, string>;
    assert.equal(spec["repo"], "https://charts.hetzner.cloud");
    const values = parse(spec["valuesContent"]!) as { storageClasses: { name: string; reclaimPolicy: string }[] };
    assert.deepEqual(
      values.storageClasses.map((c) => [c.name, c.reclaimPolicy]),
      [["hcloud-volumes", "Delete"]],
    );
    assert.ok(!JSON.stringify(addons()).includes(TOKEN), "the token is not in the manifests written to disk");
    const secret = ev.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "kube-system/hcloud");
    assert.ok(secret, "the token Secret is created through the cluster's provider");
    assert.deepEqual((ev.inputs(secret)["stringData"] as Record<string, string>)["token"], TOKEN);
    assert.ok(JSON.stringify(secret.inputs).includes("4dabf18193072939515e22adb298388d"), "the token is secret");
    const install = ev.get(STEP, "cluster-server-1-install");
    assert.equal(secret.options.deletedWith, install.urn);
  });

  it("puts service volumes on the CSI driver's StorageClass", () => {
    const db = k8sObjects().find((o) => o.kind === "StatefulSet" && o.metadata.name === "db")!;
    const claims = (db["spec"] as { volumeClaimTemplates: { spec: { storageClassName?: string } }[] })
      .volumeClaimTemplates;
    assert.deepEqual(
      claims.map((c) => c.spec.storageClassName),
      ["hcloud-volumes"],
    );
  });

  it("keeps every secret out of the command strings", () => {
    for (const step of ev.ofType(STEP)) {
      const create = String(input(step, "create"));
      assert.ok(!create.includes(TOKEN));
      assert.ok(!create.includes("PRIVATE KEY"), `${step.name} carries no private key`);
    }
  });

  it("renders objects that pass the Kubernetes schemas and the cross-object checks", () => {
    const objects = [...k8sObjects(), ...addons()];
    assert.ok(objects.length > 10);
    assert.deepEqual(validateObjects(objects), []);
  });
});
