// "Did you mean" suggestions for misspelt field names and enum values.

/** The candidate closest to `given` (ignoring case), if it is close enough to be a likely typo. */
export function closestName(given: string, candidates: readonly string[]): string | undefined {
  const lowered = given.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (!best || distance < best.distance) {
      best = { name: candidate, distance };
    }
  }
  const allowed = Math.max(1, Math.floor(given.length / 4));
  return best && best.distance <= allowed ? best.name : undefined;
}

/** Levenshtein distance; names are short, so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) {
    return Math.abs(a.length - b.length);
  }
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
