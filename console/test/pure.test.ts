// @vitest-environment node
import { describe, expect, test } from "vitest";
import { failureHint } from "../src/lib/failure-hints";
import { formatBytes, formatCpu, formatWait, percent } from "../src/lib/format";
import { emailProblem, projectNameProblem } from "../src/lib/names";
import { can } from "../src/lib/roles";

describe("roles", () => {
  test("viewers may not mutate anything; deployers operate; admins do everything", () => {
    for (const action of ["operate", "reveal-credentials", "create-project", "edit-members", "manage-users"] as const) {
      expect(can("viewer", action)).toBe(false);
      expect(can("admin", action)).toBe(true);
      expect(can(null, action)).toBe(false);
    }
    expect(can("deployer", "operate")).toBe(true);
    expect(can("deployer", "reveal-credentials")).toBe(true);
    expect(can("deployer", "manage-users")).toBe(false);
    expect(can("deployer", "create-project")).toBe(false);
  });
});

describe("failure hints", () => {
  test("the API's words first; advice by reason otherwise", () => {
    expect(failureHint({ reason: "OOMKilled", message: "raise memory to 512Mi" })).toBe("raise memory to 512Mi");
    expect(failureHint({ reason: "CrashLoopBackOff", message: "" })).toMatch(/previous container/);
    expect(failureHint({ reason: "ImagePullBackOff" })).toMatch(/image name and tag/);
    expect(failureHint({ reason: "OOMKilled" })).toMatch(/memory limit/);
    expect(failureHint({ reason: "Unschedulable" })).toMatch(/No node can run it/);
    expect(failureHint({ reason: "Whatever" })).toMatch(/Open the app/);
  });
});

describe("format", () => {
  test("bytes, CPU, percentages and waits", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(8 * 1024 ** 3)).toBe("8.0 GiB");
    expect(formatBytes(undefined)).toBe("—");
    expect(formatCpu(0.25)).toBe("250m");
    expect(formatCpu(2)).toBe("2 cores");
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(undefined, 200)).toBeNull();
    expect(percent(1, 0)).toBeNull();
    expect(formatWait(42)).toBe("42 s");
    expect(formatWait(61)).toBe("2 min");
  });
});

describe("names", () => {
  test("project names are DNS-1123 labels; emails need an @ and a domain", () => {
    expect(projectNameProblem("shop")).toBeNull();
    expect(projectNameProblem("Shop")).toMatch(/Lower-case/);
    expect(projectNameProblem("-shop")).toMatch(/starting and ending/);
    expect(projectNameProblem("a".repeat(64))).toMatch(/63/);
    expect(projectNameProblem("")).toMatch(/Enter/);
    expect(emailProblem("ada@example.com")).toBeNull();
    expect(emailProblem("ada")).toMatch(/not an email/);
  });
});
