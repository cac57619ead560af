// Classification scores from predicted and true class ids, as scikit-learn computes them (which
// the Hugging Face `evaluate` metrics call): accuracy, and per class precision, recall and F1 with
// 0 where a ratio's denominator is 0 (zero_division=0). Macro F1 is the unweighted mean of the
// per-class F1 over the classes that occur among the true or the predicted labels, as f1_score
// with average="macro" takes them.

export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** How many examples truly belong to the class. */
  support: number;
}

export interface Scores {
  accuracy: number;
  /** Macro-averaged F1. */
  f1: number;
  perClass: ClassScores[];
}

export function classificationScores(predicted: readonly number[], actual: readonly number[], labels: readonly string[]): Scores {
  const truePositives = new Array<number>(labels.length).fill(0);
  const predictedCount = new Array<number>(labels.length).fill(0);
  const support = new Array<number>(labels.length).fill(0);
  predicted.forEach((p, i) => {
    predictedCount[p]++;
    support[actual[i]]++;
    if (p === actual[i]) truePositives[p]++;
  });
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  // F1 as scikit-learn writes it, 2·tp / (2·tp + fp + fn): the harmonic mean of precision and recall.
  const perClass = labels.map((label, c) => ({
    label,
    precision: ratio(truePositives[c], predictedCount[c]),
    recall: ratio(truePositives[c], support[c]),
    f1: ratio(2 * truePositives[c], predictedCount[c] + support[c]),
    support: support[c],
  }));
  const occurring = perClass.filter((_, c) => support[c] > 0 || predictedCount[c] > 0);
  const correct = truePositives.reduce((a, b) => a + b, 0);
  return {
    accuracy: ratio(correct, actual.length),
    f1: ratio(
      occurring.reduce((sum, s) => sum + s.f1, 0),
      occurring.length,
    ),
    perClass,
  };
}

/** The per-class table as aligned text lines: label, precision, recall, F1, support. */
export function scoresTable(perClass: readonly ClassScores[]): string[] {
  const width = Math.max(5, ...perClass.map((s) => s.label.length));
  const header = `${'class'.padEnd(width)}  precision  recall  f1      support`;
  const rows = perClass.map(
    (s) =>
      `${s.label.padEnd(width)}  ${s.precision.toFixed(4).padEnd(9)}  ${s.recall.toFixed(4).padEnd(6)}  ${s.f1.toFixed(4).padEnd(6)}  ${s.support}`,
  );
  return [header, ...rows];
}
