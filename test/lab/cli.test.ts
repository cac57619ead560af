// `npm run lab` as a user runs it: it builds the page and serves it with ../shared's data until
// Ctrl-C, or writes a static build with --build; a bad flag is one line and exit status 2.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorLine, repoRoot, runCli } from '../support/cli_process.ts';

const LAB = path.join('lab', 'lab.ts');

test('serves the page and the data folder on 127.0.0.1 until SIGINT', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', LAB, '--port', '0'], { cwd: repoRoot });
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const found = stdout.match(/lab: (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (found) resolve(found[1]);
    });
    child.on('close', (code) => reject(new Error(`npm run lab exited (${code}) before printing its URL: ${stdout}`)));
  });
  try {
    const page = await fetch(url);
    assert.is(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="lab.js">/);
    assert.is((await fetch(`${url}lab.js`)).status, 200);
    assert.is((await fetch(`${url}data/models/distilbert-base-uncased/vocab.txt`)).status, 200);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.is(code, 0);
});

test('--build writes a static site; a bad flag is one line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-build-'));
  try {
    const built = await runCli(LAB, ['--build', dir]);
    assert.is(built.code, 0, built.stderr);
    assert.equal(fs.readdirSync(dir).sort(), ['index.html', 'lab.css', 'lab.js', 'lab.js.map']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bad = await runCli(LAB, ['--port', 'eighty']);
  assert.is(bad.code, 2);
  assert.is(errorLine(bad), "lab: --port: expected an integer, got 'eighty'");
});

test.run();
