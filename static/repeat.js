// "Run ×N": the same run N times, one after another, to see whether the
// order in which tasks finish changes from run to run (timeline.js draws
// the orders). A Series is the state of one such round of runs.

export const MIN_ROUNDS = 2;
export const MAX_ROUNDS = 20;

// rounds reads the number of runs from its field, or 0 when it is not a
// whole number from MIN_ROUNDS to MAX_ROUNDS.
export function rounds(input) {
  const n = Number(input.value);
  if (!/^\d+$/.test(input.value.trim()) || n < MIN_ROUNDS || n > MAX_ROUNDS) return 0;
  return n;
}

export class Series {
  constructor(rounds, params, runtime) {
    this.round = 0;
    this.rounds = rounds;
    this.params = params; // every round runs with the values of the first
    this.runtime = runtime; // and in the runtime of the first
    this.elapsed = []; // of the rounds that ran to their end
    this.cancelled = false;
  }

  // record notes how a round ended and says whether to run the next one.
  // A round stopped, timed out or cut off by a lost connection ends the
  // series; one that ran to its end counts, error or not.
  record(msg) {
    const clean = msg.type === "exit" && msg.code !== "stopped" && msg.code !== "timeout" && msg.code !== "lost";
    if (clean) this.elapsed.push(msg.elapsed_ms || 0);
    return clean && !this.cancelled && this.round < this.rounds;
  }

  // mean is the average time of the rounds counted, in milliseconds.
  mean() {
    return this.elapsed.reduce((a, b) => a + b, 0) / this.elapsed.length;
  }
}
