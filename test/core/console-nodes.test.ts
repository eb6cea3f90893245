/**
 * `core/console/nodes.ts`: how the console's dashboard and `kip status` show a node (quantities in base units, roles
 * from labels, readiness, usage only when metrics-server reported it).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytes, millicores, nodeView, parseQuantity } from "../../core/console/nodes.ts";

describe("node views", () => {
  it("reads quantities as the API writes them", () => {
    assert.equal(millicores("250m"), 250);
    assert.equal(millicores("2"), 2000);
    assert.equal(bytes("4026680Ki"), 4026680 * 1024);
    assert.equal(bytes("1.5Gi"), 1.5 * 2 ** 30);
    assert.equal(parseQuantity(" 1e3 "), 1000);
    assert.equal(parseQuantity(7), 7);
    assert.equal(parseQuantity("lots"), undefined);
    assert.equal(millicores(undefined), 0, "a missing quantity counts as none");
  });

  it("shows roles, readiness, capacity, allocatable and usage of one node", () => {
    const node = {
      metadata: {
        name: "server-1",
        labels: { "node-role.kubernetes.io/master": "true", "node-role.kubernetes.io/control-plane": "true", x: "y" },
      },
      status: {
        capacity: { cpu: "2", memory: "4026680Ki", pods: "110" },
        allocatable: { cpu: "1900m", memory: "3900Mi" },
        conditions: [
          { type: "MemoryPressure", status: "False" },
          { type: "Ready", status: "True" },
        ],
        nodeInfo: { kubeletVersion: "v1.31.4+k3s1" },
      },
    };
    const usage = [
      { name: "other", cpu: "5", memory: "1Gi" },
      { name: "server-1", cpu: "120m", memory: "512Mi" },
    ];
    assert.deepEqual(nodeView(node, usage), {
      name: "server-1",
      ready: true,
      roles: ["control-plane", "master"],
      kubeletVersion: "v1.31.4+k3s1",
      capacity: { cpuMillicores: 2000, memoryBytes: 4026680 * 1024, pods: 110 },
      allocatable: { cpuMillicores: 1900, memoryBytes: 3900 * 2 ** 20 },
      usage: { cpuMillicores: 120, memoryBytes: 512 * 2 ** 20 },
    });
  });

  it("says not ready without a true Ready condition, and leaves usage out without metrics", () => {
    const view = nodeView(
      {
        metadata: { name: "agent-1" },
        status: { capacity: { cpu: "1" }, conditions: [{ type: "Ready", status: "Unknown" }] },
      },
      undefined,
    );
    assert.equal(view.ready, false);
    assert.deepEqual(view.roles, []);
    assert.equal("usage" in view, false);
    assert.deepEqual(view.allocatable, { cpuMillicores: 1000, memoryBytes: 0 }, "allocatable falls back to capacity");
  });
});
