/** Kubernetes equality-based label selection as Istio uses it for workloads and subsets. */

/** Whether every selector label is present with the same value. An empty selector selects everything. */
export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}
