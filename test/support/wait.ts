// The one polling helper of tests and benchmarks; it lives with the benchmark, whose
// build does not include test/.
export { waitFor } from '../../bench/lib/wait.js';
