// Classification scores against a worked example: accuracy, per-class precision, recall and F1
// (0 where nothing was predicted or nothing belongs), and macro F1 over the classes that occur.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classificationScores, scoresTable } from '../../train/scores.ts';

test('three classes that occur and one that does not', () => {
  // a: tp 2 of 2 predicted, 3 true; b: tp 1 of 2, 2 true; c: tp 1 of 2, 1 true; d: none.
  const actual = [0, 0, 0, 1, 1, 2];
  const predicted = [0, 0, 1, 1, 2, 2];
  const scores = classificationScores(predicted, actual, ['a', 'b', 'c', 'd']);
  assert.is(scores.accuracy, 4 / 6);
  assert.equal(scores.perClass, [
    { label: 'a', precision: 1, recall: 2 / 3, f1: 4 / 5, support: 3 },
    { label: 'b', precision: 1 / 2, recall: 1 / 2, f1: 2 / 4, support: 2 },
    { label: 'c', precision: 1 / 2, recall: 1, f1: 2 / 3, support: 1 },
    { label: 'd', precision: 0, recall: 0, f1: 0, support: 0 },
  ]);
  assert.is(scores.f1, (4 / 5 + 2 / 4 + 2 / 3) / 3);
});

test('a class never predicted scores 0, not NaN, and counts in the macro average', () => {
  const scores = classificationScores([0, 0, 0], [0, 0, 1], ['x', 'y']);
  assert.equal(scores.perClass[1], { label: 'y', precision: 0, recall: 0, f1: 0, support: 1 });
  assert.is(scores.f1, (4 / 5 + 0) / 2);
});

test('the table lines up its columns', () => {
  const { perClass } = classificationScores([0, 1], [0, 0], ['negative', 'pos']);
  assert.equal(scoresTable(perClass), [
    'class     precision  recall  f1      support',
    'negative  1.0000     0.5000  0.6667  2',
    'pos       0.0000     0.0000  0.0000  0',
  ]);
});

test.run();
