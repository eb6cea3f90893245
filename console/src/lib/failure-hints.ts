// What a person can do about a failing pod, by the reason Kubernetes gives.
import type { Failure } from "../api/types";

export function failureHint(failure: Pick<Failure, "reason" | "message" | "hint">): string {
  if (failure.hint) return failure.hint;
  const reason = failure.reason.toLowerCase();
  if (reason === "crashloopbackoff" || reason === "error")
    return "The container keeps exiting. Open the app's logs: the previous container's last lines say why.";
  if (reason === "imagepullbackoff" || reason === "errimagepull" || reason === "invalidimagename")
    return "The image cannot be pulled. Check the image name and tag in the stack file, and the registry's credentials.";
  if (reason === "oomkilled")
    return "The container ran out of memory. Raise its memory limit in the stack file, or find what grows.";
  if (reason === "unschedulable" || reason === "pending" || reason === "failedscheduling")
    return `No node can run it${failure.message ? ` (${failure.message})` : ""}. Free capacity, add a node, or lower the requests.`;
  if (reason === "createcontainerconfigerror")
    return "The container's configuration refers to something missing (a Secret or ConfigMap key). Check the env of the app.";
  if (reason === "evicted") return "The node ran short of resources and evicted it. Check the node's disk and memory.";
  return failure.message ?? "Open the app to see its pods and logs.";
}
