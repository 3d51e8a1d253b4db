/**
 * `fuzzy_match`: the normalized Indel similarity of two texts, 2·LCS / (|a| + |b|) over code points — rapidfuzz's
 * `fuzz.ratio` / 100 (and difflib's ratio on most inputs). 1 for two empty texts.
 */
export function fuzzyRatio(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (x.length + y.length === 0) return 1;
  // Longest common subsequence with two rows: O(|a|·|b|) time, O(|b|) memory.
  let previous = new Int32Array(y.length + 1);
  let current = new Int32Array(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      current[j] = x[i - 1] === y[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    [previous, current] = [current, previous];
  }
  return (2 * previous[y.length]) / (x.length + y.length);
}
