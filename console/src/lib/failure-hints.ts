// What a person can do about a failing pod. The console-api says it in words (`message`); when it says nothing
// useful, the console falls back to advice by the reason Kubernetes gives.
export function failureHint(failure: { reason: string; message?: string }): string {
  if (failure.message?.trim()) return failure.message;
  const reason = failure.reason.toLowerCase();
  if (reason === "crashloopbackoff" || reason === "error")
    return "The container keeps exiting. Open the app's logs: the previous container's last lines say why.";
  if (reason === "imagepullbackoff" || reason === "errimagepull" || reason === "invalidimagename")
    return "The image cannot be pulled. Check the image name and tag in the stack file, and the registry's credentials.";
  if (reason === "oomkilled")
    return "The container ran out of memory. Raise its memory limit in the stack file, or find what grows.";
  if (reason === "unschedulable" || reason === "pending" || reason === "failedscheduling")
    return "No node can run it. Free capacity, add a node, or lower the requests.";
  if (reason === "createcontainerconfigerror")
    return "The container's configuration refers to something missing (a Secret or ConfigMap key). Check the app's env.";
  if (reason === "evicted") return "The node ran short of resources and evicted it. Check the node's disk and memory.";
  return "Open the app to see its pods and logs.";
}
