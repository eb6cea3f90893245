/**
 * Secrets come from Pulumi config. On the `up` path a missing one stops the program with a message naming the key and
 * the command that sets it; under `kip synth` (placeholders on) it becomes a visible placeholder instead.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { MissingSecretError, useSecretPlaceholders } from "../../providers/secret-config.ts";
import { evaluateStackFile, isSecretValue, TEST_SSH_KEY } from "../support/pulumi-mocks.ts";

afterEach(() => useSecretPlaceholders(false));

describe("config secrets", () => {
  it("refuses to run without the SSH key, naming the key and how to set it", async () => {
    await assert.rejects(evaluateStackFile("stacks/skipper.ts", { config: {} }), (err: unknown) => {
      assert.ok(err instanceof MissingSecretError, String(err));
      assert.equal(err.key, "skipper:sshPrivateKey");
      assert.match(err.message, /skipper:sshPrivateKey/);
      assert.match(err.message, /203\.0\.113\.10/);
      assert.match(err.message, /pulumi config set --secret skipper:sshPrivateKey < ~\/\.ssh\/id_ed25519/);
      return true;
    });
  });

  it("refuses to run without an app's secret env value, naming its config key", async () => {
    await assert.rejects(
      evaluateStackFile("stacks/multi-host.ts", { config: { "skipper:sshPrivateKey": TEST_SSH_KEY } }),
      (err: unknown) => {
        assert.ok(err instanceof MissingSecretError, String(err));
        assert.equal(err.key, "skipper:secret.storefront.STRIPE_KEY");
        assert.match(err.message, /STRIPE_KEY of app 'storefront'/);
        assert.match(err.message, /pulumi config set --secret skipper:secret\.storefront\.STRIPE_KEY/);
        return true;
      },
    );
  });

  it("uses a visible secret placeholder for a missing secret when synth asks for placeholders", async () => {
    useSecretPlaceholders(true);
    const stack = await evaluateStackFile("stacks/skipper.ts", { config: {} });
    const [step] = stack.ofType("command:remote:Command");
    assert.ok(step && isSecretValue(step.inputs["connection"]));
    const conn = stack.inputs(step)["connection"] as Record<string, unknown>;
    assert.equal(conn["privateKey"], "<secret:skipper:sshPrivateKey>");
  });
});
