import assert from 'node:assert/strict';
import { test } from 'node:test';
import { equivalence } from '../../../src/report/claims.js';

test('equivalence within ±5 %: the 90 % interval inside the margin; different only when the 95 % interval is wholly outside', () => {
  // Ten repetitions within 2 % of parity: equivalent.
  assert.equal(equivalence([0.99, 1.01, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.02], 0.05), 'equivalent');
  // Clearly 20 % dearer: different.
  assert.equal(equivalence([1.19, 1.21, 1.2, 1.22, 1.18, 1.2, 1.21, 1.19, 1.2, 1.22], 0.05), 'different');
  // Centred on parity but too noisy to say either: undecided, not "about the same".
  assert.equal(equivalence([0.8, 1.2, 0.9, 1.1, 1.0, 0.85, 1.15, 0.95, 1.05, 1.0], 0.05), 'undecided');
  // Four repetitions allow no interval at all.
  assert.equal(equivalence([1, 1, 1, 1], 0.05), 'undecided');
});
