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

/** Edit distance counting a swap of two neighbours as one edit ("hots" → "host"); names are short. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) {
    return Math.abs(a.length - b.length);
  }
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    rows[i] = [i];
    for (let j = 1; j <= b.length; j++) {
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}
