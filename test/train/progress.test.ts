// What a training run shows while it runs (train/progress.ts), on a fake clock and a fake stderr:
// in a log, a status line as soon as the time left is first known and then one every 30 s, never
// one per step; on a terminal, the status line redrawn after every step, its bar and estimate
// moving from the first steps. The GPU is waited for (nothing is queued) after this process's
// steps 1 and 3, as in a run.
import '../support/setup.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Progress } from '../../train/progress.ts';

/** A Progress over 100 steps of 10 per epoch, writing to a string, on a clock the test moves. */
function progress(isTTY: boolean, stepsDone = 0) {
  const clock = { ms: 0 };
  const out = { isTTY, text: '', write: (text: string) => (out.text += text) };
  const shown = new Progress(100, stepsDone, (step) => step / 10, { out, now: () => clock.ms });
  return { shown, out, clock };
}

test('in a log: a line when the time left is first known, then one every 30 s', async () => {
  const { shown, out, clock } = progress(false);
  for (let step = 1; step <= 3; step++) {
    clock.ms = step * 1000;
    await shown.stepDone(step);
  }
  // Timed at steps 1 and 3: a second a step, 97 steps to go.
  assert.is(out.text, 'step 3/100 (epoch 0.30): loss -, - samples/s, eta 1m37s\n');
  out.text = '';
  for (let step = 4; step <= 32; step++) {
    clock.ms = step * 1000;
    await shown.stepDone(step);
    if (step === 10) shown.window(10, 0.5, 32);
  }
  assert.is(out.text, '', 'nothing before 30 s have passed');
  clock.ms = 33_000;
  await shown.stepDone(33);
  assert.is(out.text, 'step 33/100 (epoch 3.30): loss 0.5000, 32.0 samples/s, eta 1m07s\n');
  shown.say('epoch 3.3: a message');
  assert.is(out.text.split('\n').at(-2), 'epoch 3.3: a message');
  shown.stop();
});

test('on a terminal: the status line is redrawn after each step, with an estimate from the third', async () => {
  const { shown, out, clock } = progress(true, 20);
  clock.ms = 1000;
  await shown.stepDone(21);
  assert.is(out.text, '\r\x1b[Kepoch 2.10 |████░░░░░░░░░░░░░░░░| 21/100 steps | loss - | - samples/s | eta -');
  out.text = '';
  clock.ms = 1500;
  await shown.stepDone(22);
  clock.ms = 2000;
  await shown.stepDone(23);
  // Resumed at step 20: timed after its steps 1 and 3, half a second a step, 77 to go.
  assert.is(out.text.split('\r\x1b[K').at(-1), 'epoch 2.30 |█████░░░░░░░░░░░░░░░| 23/100 steps | loss - | - samples/s | eta 39s');
  shown.stop();
  assert.ok(out.text.endsWith('\r\x1b[K'), 'the status line is cleared at the end');
});

test.run();
