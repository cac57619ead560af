// Proves model/tokenizer.ts gives the same ids as @huggingface/tokenizers loading DistilBERT's
// tokenizer.json: on every rotten_tomatoes sentence and on hand-made hard strings (accents, CJK,
// emoji, control and zero-width characters, long words, truncation, ...), plus the batch,
// decode, save/load and error paths.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import { WordPieceTokenizer, longestFirst } from '../../model/tokenizer.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const modelDir = path.join(shared, 'models', 'distilbert-base-uncased');
const dataDir = path.join(shared, 'data', 'rotten_tomatoes');

const tokenizerJson = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8'));
const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8'));
const reference = new Tokenizer(tokenizerJson, tokenizerConfig);
const ours = WordPieceTokenizer.fromDir(modelDir);

function readLines(file: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
const [positives, negatives] = ['rt-polarity.pos', 'rt-polarity.neg'].map((file) => readLines(path.join(dataDir, file)));
const sentences = [...positives, ...negatives];
/** Sentence pairs from the held-out test tenth of each file: a positive and a negative review. */
const heldOutPairs = positives.slice(-533).map((positive, i) => [positive, negatives.at(-533 + i)!] as const);

const HARD_STRINGS = [
  '',
  ' ',
  '   \t\n  ',
  '\t\n\r',
  '   leading and trailing   ',
  'Café naïve résumé über façade',
  'mañana España ÑANDÚ',
  'Ångström ÅÄÖ øæ',
  'Łódź Dvořák',
  'e\u0301 a\u0300 n\u0303 o\u0308 combining',
  'e\u0301'.repeat(60),
  'İstanbul ß ẞ ǅ ﬁ Ⅷ',
  '我爱北京天安门 日本語のテキスト カタカナ 한국어 텍스트',
  'mixed中文english漢字',
  '豈 兀 㐀 鿿',
  '\u{20000}\u{2A6D6} a\u{20001}b \u{2F800}',
  'emoji 😀👍🏽 👨‍👩‍👧 ❤️ 🇫🇷 🤖!',
  'great😀movie',
  'zero\u200bwidth\u200djoiner\ufeffbom\u2060wj',
  'nul\u0000 bell\u0007 esc\u001b del\u007f c1\u0085',
  'soft\u00adhyphen rtl\u200fmark lrm\u200e',
  'private\ue000use',
  'lone\ud800surrogate \udc00',
  'replacement\ufffdchar',
  'unassigned\u0378 code point',
  'vertical\u000btab form\u000cfeed',
  'nbsp\u00a0here em\u2003space ideographic\u3000space line\u2028sep para\u2029sep nnbsp\u202f',
  'a'.repeat(100),
  'a'.repeat(101),
  'supercalifragilistic'.repeat(6),
  `${'ab'.repeat(51)} ok`,
  'Hello, world!!! ...?! (parens) [brackets] {braces} <angle> "quotes" `tick` ~tilde^caret_under|pipe\\back/slash @#$%&*+=-',
  'unicode punct: — – … « » ¿¡ ‘single’ “double” · • § ¶ † ‰ ※ 、。「」',
  'numbers 3.14159 1,000,000 2023-10-05 #1 42nd 1st 0x1F 1e-9 ½ ² ① ٣',
  "it's don't can't won't I'm they're we've 'quoted' rock'n'roll o'clock",
  'Ελληνικά κείμενο ΣΊΣΥΦΟΣ',
  'Русский текст Ёжик',
  'العربية نص مع تشكيل: كَتَبَ',
  'עברית',
  'हिन्दी',
  'ไทย',
  'tabs\tand\nnewlines\r\nand\r\rcarriage\t\treturns',
  '[CLS] [SEP] [PAD] [UNK] [MASK] inside text',
  '[cls] lower',
  'x[SEP]y',
  '[CL\u200bS]',
  '[[CLS]]',
  '[SEP',
  'UPPER lower MiXeD',
  'http://example.com/path?q=1&r=2 user@example.com',
  '##hash ## ###',
];

function referenceIds(text: string): number[] {
  return reference.encode(text).ids;
}

test('every rotten_tomatoes sentence encodes to the reference ids', () => {
  assert.is(sentences.length, 10662);
  for (const sentence of sentences) {
    const expected = referenceIds(sentence);
    assert.ok(expected.length <= ours.modelMaxLength, 'a sentence needs truncation; compare it in the truncation test');
    assert.equal(ours.encode(sentence), expected, `ids differ for: ${JSON.stringify(sentence)}`);
  }
});

test('hard strings give the reference tokens and ids', () => {
  for (const text of HARD_STRINGS) {
    assert.equal(ours.tokenize(text), reference.tokenize(text), `tokens differ for: ${JSON.stringify(text)}`);
    assert.equal(ours.encode(text), referenceIds(text), `ids differ for: ${JSON.stringify(text)}`);
  }
});

test('specific edge cases map as BERT defines them', () => {
  assert.equal(ours.encode(''), [ours.clsId, ours.sepId]);
  assert.equal(ours.tokenize(' \t\n '), []);
  assert.equal(ours.tokenize('a'.repeat(101)), ['[UNK]']);
  assert.equal(ours.tokenize('Café\u200bNAÏVE'), ['cafe', '##nai', '##ve']);
  assert.equal(ours.tokenize('北京!'), ['北', '京', '!']);
  assert.equal(ours.tokenize("don't"), ['don', "'", 't']);
  assert.equal(ours.tokenize('[SEP]x'), ['[SEP]', 'x']);
});

test('text over 512 tokens is cut to 512 ids that keep [SEP]', () => {
  const longText = sentences.slice(0, 80).join(' \n');
  const full = referenceIds(longText);
  assert.ok(full.length > 600, `test text is only ${full.length} tokens`);
  const ids = ours.encode(longText);
  assert.is(ids.length, 512);
  assert.is(ids[511], ours.sepId);
  assert.equal(ids, [...full.slice(0, 511), ours.sepId]);
  const short = ours.encode(longText, { maxLength: 16 });
  assert.equal(short, [...full.slice(0, 15), ours.sepId]);
  assert.equal(ours.encode('a', { maxLength: 2 }), [ours.clsId, ours.sepId]);
});

test('encodeBatch pads to the longest row with [PAD] and masks the padding', () => {
  const texts = ['a fine film', '', sentences[0], 'short'];
  const rows = texts.map((text) => ours.encode(text, { maxLength: 12 }));
  const { ids, mask, batch, seqLen } = ours.encodeBatch(texts, 12);
  assert.is(batch, 4);
  assert.is(seqLen, 12);
  assert.is(ours.padId, 0);
  rows.forEach((row, b) => {
    const padded = [...row, ...new Array(seqLen - row.length).fill(0)];
    const maskRow = padded.map((_, i) => (i < row.length ? 1 : 0));
    assert.equal(Array.from(ids.subarray(b * seqLen, (b + 1) * seqLen)), padded);
    assert.equal(Array.from(mask.subarray(b * seqLen, (b + 1) * seqLen)), maskRow);
  });
  const dynamic = ours.encodeBatch(['one two', 'one']);
  assert.is(dynamic.seqLen, 4);
  assert.is(dynamic.ids.length, 8);
});

test('sentence pairs: [CLS] a [SEP] b [SEP] and token type ids as the reference gives them, on held-out pairs', () => {
  // (The library reads an empty text_pair as no pair, so the second sentence is never empty here.)
  for (const [a, b] of [...heldOutPairs, ['', 'x'], ['Café [SEP]', '北京!']] as const) {
    const expected = reference.encode(a, { text_pair: b, return_token_type_ids: true });
    const { ids, typeIds } = ours.encodePair(a, b);
    assert.equal(ids, expected.ids, `ids differ for: ${JSON.stringify([a, b])}`);
    assert.equal(typeIds, expected.token_type_ids, `type ids differ for: ${JSON.stringify([a, b])}`);
  }
});

test('longest_first: the lengths kept are those of the Rust tokenizers, whose tests give them at max_length 7', () => {
  // truncate_encodings_longest_first in tokenizers/src/utils/truncation.rs, for lengths 0, 2, 4 and 8.
  const expected: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [0, 2, 0, 2],
    [0, 4, 0, 4],
    [0, 8, 0, 7],
    [2, 0, 2, 0],
    [2, 2, 2, 2],
    [2, 4, 2, 4],
    [2, 8, 2, 5],
    [4, 0, 4, 0],
    [4, 2, 4, 2],
    [4, 4, 3, 4],
    [4, 8, 3, 4],
    [8, 0, 7, 0],
    [8, 2, 5, 2],
    [8, 4, 4, 3],
    [8, 8, 3, 4],
  ];
  for (const [first, second, keepFirst, keepSecond] of expected) {
    assert.equal(longestFirst(first, second, 7), [keepFirst, keepSecond], `lengths ${first} and ${second}`);
  }
});

test('a pair over maxLength keeps the reference tokens of each sentence, cut longest first, and its type ids', () => {
  const segment = (text: string) => reference.encode(text, { add_special_tokens: false }).ids;
  for (const [a, b] of heldOutPairs.slice(0, 100)) {
    const [idsA, idsB] = [segment(a), segment(b)];
    for (const maxLength of [8, 21, 32]) {
      const [keepA, keepB] = longestFirst(idsA.length, idsB.length, maxLength - 3);
      const { ids, typeIds } = ours.encodePair(a, b, { maxLength });
      assert.equal(ids, [ours.clsId, ...idsA.slice(0, keepA), ours.sepId, ...idsB.slice(0, keepB), ours.sepId]);
      assert.ok(ids.length <= maxLength);
      assert.equal(typeIds, [...Array(keepA + 2).fill(0), ...Array(keepB + 1).fill(1)]);
    }
  }
  assert.equal(ours.encodePair('', ''), { ids: [ours.clsId, ours.sepId, ours.sepId], typeIds: [0, 0, 1] });
  assert.throws(() => ours.encodePair('a', 'b', { maxLength: 2 }), /maxLength must be an integer >= 3 to hold \[CLS\] and two \[SEP\]/);
});

test('padBatch pads type ids with 0', () => {
  const pairs = [ours.encodePair('a fine film', 'yes'), ours.encodePair('no', 'it is not')];
  const { typeIds, seqLen } = ours.padBatch(
    pairs.map((p) => p.ids),
    pairs.map((p) => p.typeIds),
  );
  assert.equal(Array.from(typeIds), [...pairs[0].typeIds, ...Array(seqLen - pairs[0].ids.length).fill(0), ...pairs[1].typeIds]);
  assert.equal(Array.from(ours.encodeBatch(['one two', 'one']).typeIds), [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('decode matches the reference decoder', () => {
  const samples = [...sentences.slice(0, 300), ...sentences.slice(-300), ...HARD_STRINGS.filter((s) => s.trim())];
  for (const text of samples) {
    const ids = ours.encode(text);
    assert.is(ours.decode(ids), reference.decode(ids), `decode differs for: ${JSON.stringify(text)}`);
    assert.is(
      ours.decode(ids, { skipSpecialTokens: true }),
      reference.decode(ids, { skip_special_tokens: true }),
      `decode without specials differs for: ${JSON.stringify(text)}`,
    );
  }
});

test('saveTo writes a vocab.txt and tokenizer_config.json that load back identically', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenizer-'));
  try {
    ours.saveTo(dir);
    assert.ok(fs.readFileSync(path.join(dir, 'vocab.txt')).equals(fs.readFileSync(path.join(modelDir, 'vocab.txt'))));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    assert.is(config.tokenizer_class, 'DistilBertTokenizer');
    assert.is(config.do_lower_case, true);
    assert.is(config.model_max_length, 512);
    const reloaded = WordPieceTokenizer.fromDir(dir);
    assert.is(reloaded.vocabSize, 30522);
    for (const text of [...HARD_STRINGS, ...sentences.slice(0, 50)]) {
      assert.equal(reloaded.encode(text), ours.encode(text));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('do_lower_case false keeps case and accents like a cased reference', () => {
  const casedJson = { ...tokenizerJson, normalizer: { ...tokenizerJson.normalizer, lowercase: false } };
  const casedReference = new Tokenizer(casedJson, { ...tokenizerConfig, do_lower_case: false });
  const cased = WordPieceTokenizer.fromVocabFile(path.join(modelDir, 'vocab.txt'), { doLowerCase: false });
  for (const text of ['Hello WORLD', 'Café Ångström', 'iPhone [CLS] x', ...sentences.slice(0, 20)]) {
    assert.equal(cased.encode(text), casedReference.encode(text).ids, `ids differ for: ${JSON.stringify(text)}`);
  }
});

test('bad input fails with a message naming the file or value', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenizer-'));
  try {
    assert.throws(() => WordPieceTokenizer.fromDir(dir), /vocab\.txt: cannot read/);
    fs.writeFileSync(path.join(dir, 'vocab.txt'), '[PAD]\n[UNK]\n[SEP]\nhello\n');
    assert.throws(() => WordPieceTokenizer.fromDir(dir), /vocab\.txt: vocabulary has no \[CLS\] token/);
    fs.writeFileSync(path.join(dir, 'vocab.txt'), '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n');
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{ not json');
    assert.throws(() => WordPieceTokenizer.fromDir(dir), /tokenizer_config\.json: not valid JSON/);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"model_max_length": 1}');
    assert.throws(() => WordPieceTokenizer.fromDir(dir), /model_max_length must be an integer >= 2/);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"model_max_length": 8}');
    const tiny = WordPieceTokenizer.fromDir(dir);
    assert.equal(tiny.encode('hello hello world hello'), [2, 4, 4, 1, 4, 3]);
    assert.throws(() => tiny.encode('hello', { maxLength: 1 }), /maxLength must be an integer >= 2/);
    assert.throws(() => tiny.decode([5]), /id 5 is outside the vocabulary of 5/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
