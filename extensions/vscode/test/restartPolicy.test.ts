import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RestartPolicy } from '../src/restartPolicy';

test('restarts a few times with doubling delays, then gives up', () => {
  let now = 0;
  const p = new RestartPolicy({ maxRestarts: 3, windowMs: 60000, baseDelayMs: 1000, maxDelayMs: 16000 }, () => now);
  const decisions = [p.onCrash(), p.onCrash(), p.onCrash(), p.onCrash()];
  assert.deepEqual(decisions.map((d) => (d.restart ? d.delayMs : 'stop')), [1000, 2000, 4000, 'stop']);
  assert.deepEqual(decisions.slice(0, 3).map((d) => d.restart && d.attempt), [1, 2, 3]);
});

test('delay is capped', () => {
  const p = new RestartPolicy({ maxRestarts: 10, windowMs: 60000, baseDelayMs: 1000, maxDelayMs: 3000 }, () => 0);
  const delays = Array.from({ length: 4 }, () => p.onCrash()).map((d) => (d.restart ? d.delayMs : -1));
  assert.deepEqual(delays, [1000, 2000, 3000, 3000]);
});

test('crashes older than the window are forgotten, and reset forgets all', () => {
  let now = 0;
  const p = new RestartPolicy({ maxRestarts: 2, windowMs: 10000, baseDelayMs: 1, maxDelayMs: 1 }, () => now);
  p.onCrash();
  p.onCrash();
  now = 20000; // a long healthy run
  assert.equal(p.onCrash().restart, true);
  assert.equal(p.recentCrashes, 1);
  p.onCrash();
  assert.equal(p.onCrash().restart, false);
  p.reset();
  assert.equal(p.onCrash().restart, true);
});
