// BERT uncased WordPiece tokenizer, a pure-TypeScript twin of Hugging Face's BertTokenizer
// (BertNormalizer + BertPreTokenizer + WordPiece + [CLS]/[SEP] template). It loads the plain
// vocab.txt + tokenizer_config.json pair so training needs no tokenizer.json, and it matches
// @huggingface/tokenizers id for id; where that library and the Python/Rust tokenizers disagree
// on an edge (see isCjk, CONTROL, WHITESPACE) it follows the library, the project's reference.
import { files } from '#model-files';
import type { FileError } from './files/files.ts';

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const CONTINUATION_PREFIX = '##';
const MAX_WORD_CHARS = 100;
const DEFAULT_MODEL_MAX_LENGTH = 512;

// Python and Rust also drop unassigned (Cn) code points; @huggingface/tokenizers keeps them.
const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
// JavaScript's \s: unlike Python's Zs-only test it also counts U+2028/U+2029 as whitespace.
const WHITESPACE = /^\s$/u;
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const WORD_OR_PUNCTUATION = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');
const NONSPACING_MARKS = /\p{Mn}/gu;
// Hugging Face's clean_up_tokenization, applied in this order when decoding.
const CLEANUP_REPLACEMENTS: [string, string][] = [
  [' .', '.'],
  [' ?', '?'],
  [' !', '!'],
  [' ,', ','],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];

// BERT's CJK ideograph blocks. Only the BMP ones: @huggingface/tokenizers tests UTF-16 code
// units, so it never sees the astral blocks (U+20000..U+2FA1F) that Python and Rust also space out.
function isCjk(codePoint: number): boolean {
  return (
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff)
  );
}

export interface TokenizerOptions {
  doLowerCase?: boolean;
  /** Hugging Face's strip_accents; unset means "same as doLowerCase". */
  stripAccents?: boolean;
  modelMaxLength?: number;
}

/** A sentence pair's ids with its token type ids: 0 for `[CLS] a [SEP]`, 1 for `b [SEP]`. */
export interface PairEncoding {
  ids: number[];
  typeIds: number[];
}

export interface PaddingOptions {
  /** Pad each batch to a multiple of this many tokens (see `paddedLength`); 1 or unset: to its longest row. */
  padToMultipleOf?: number;
}

export interface EncodedBatch {
  /** Row-major [batch, seqLen] token ids, padded with [PAD]. */
  ids: Int32Array;
  /** 1 for real tokens, 0 for padding. */
  mask: Int32Array;
  /** Token type ids (BERT's segment ids), 0 for single sentences and padding. */
  typeIds: Int32Array;
  batch: number;
  seqLen: number;
}

export class WordPieceTokenizer {
  readonly vocabSize: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly doLowerCase: boolean;
  readonly stripAccents: boolean;
  readonly modelMaxLength: number;
  private readonly idToToken: string[];
  private readonly tokenToId = new Map<string, number>();
  private readonly specialTokenIds = new Set<number>();
  /** Splits raw text around special tokens; odd entries of String.split are the tokens. */
  private readonly specialTokenSplitter: RegExp;

  private constructor(idToToken: string[], options: TokenizerOptions, source: string) {
    this.idToToken = idToToken;
    idToToken.forEach((token, id) => this.tokenToId.set(token, id));
    const requireId = (token: string): number => {
      const id = this.tokenToId.get(token);
      if (id === undefined) throw new Error(`${source}: vocabulary has no ${token} token`);
      return id;
    };
    this.vocabSize = idToToken.length;
    this.clsId = requireId('[CLS]');
    this.sepId = requireId('[SEP]');
    this.padId = requireId('[PAD]');
    this.unkId = requireId('[UNK]');
    this.doLowerCase = options.doLowerCase ?? true;
    this.stripAccents = options.stripAccents ?? this.doLowerCase;
    this.modelMaxLength = options.modelMaxLength ?? DEFAULT_MODEL_MAX_LENGTH;
    if (!Number.isInteger(this.modelMaxLength) || this.modelMaxLength < 2) {
      throw new Error(`${source}: model_max_length must be an integer >= 2, got ${this.modelMaxLength}`);
    }
    const specials = SPECIAL_TOKENS.filter((token) => this.tokenToId.has(token));
    for (const token of specials) this.specialTokenIds.add(this.tokenToId.get(token)!);
    const escaped = specials.map((token) => token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialTokenSplitter = new RegExp(`(${escaped.join('|')})`);
  }

  /** vocab.txt: one token per line, id = line index (as Hugging Face's load_vocab reads it). */
  static fromVocabFile(vocabPath: string, options: TokenizerOptions = {}): WordPieceTokenizer {
    const text = readText(vocabPath);
    const tokens = text.split(/\r?\n/);
    if (tokens.at(-1) === '') tokens.pop();
    if (tokens.length === 0) throw new Error(`${vocabPath}: vocabulary file is empty`);
    return new WordPieceTokenizer(tokens, options, vocabPath);
  }

  /** A Hugging Face tokenizer folder: vocab.txt plus an optional tokenizer_config.json. */
  static fromDir(dir: string): WordPieceTokenizer {
    const configPath = files.join(dir, 'tokenizer_config.json');
    const options: TokenizerOptions = {};
    if (files.exists(configPath)) {
      let config: Record<string, unknown>;
      try {
        config = JSON.parse(readText(configPath));
      } catch (error) {
        throw new Error(`${configPath}: not valid JSON (${(error as Error).message})`);
      }
      if (typeof config.do_lower_case === 'boolean') options.doLowerCase = config.do_lower_case;
      if (typeof config.strip_accents === 'boolean') options.stripAccents = config.strip_accents;
      if (typeof config.model_max_length === 'number') options.modelMaxLength = config.model_max_length;
    }
    return WordPieceTokenizer.fromVocabFile(files.join(dir, 'vocab.txt'), options);
  }

  /** Writes vocab.txt and a tokenizer_config.json that transformers' from_pretrained accepts as `tokenizerClass`. */
  saveTo(dir: string, tokenizerClass = 'DistilBertTokenizer'): void {
    files.makeDirectory(dir);
    files.writeText(files.join(dir, 'vocab.txt'), `${this.idToToken.join('\n')}\n`);
    const config = {
      tokenizer_class: tokenizerClass,
      do_lower_case: this.doLowerCase,
      strip_accents: this.stripAccents === this.doLowerCase ? null : this.stripAccents,
      model_max_length: this.modelMaxLength,
      tokenize_chinese_chars: true,
      unk_token: '[UNK]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      cls_token: '[CLS]',
      mask_token: '[MASK]',
    };
    files.writeText(files.join(dir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  /** WordPiece tokens of `text`, without [CLS]/[SEP]; special tokens written in the text are kept whole. */
  tokenize(text: string): string[] {
    const tokens: string[] = [];
    text.split(this.specialTokenSplitter).forEach((section, index) => {
      if (index % 2 === 1) {
        tokens.push(section);
        return;
      }
      for (const word of this.normalize(section).match(WORD_OR_PUNCTUATION) ?? []) {
        tokens.push(...this.wordPieces(word));
      }
    });
    return tokens;
  }

  /** [CLS] tokens [SEP] as ids, tokens cut so the whole fits maxLength (default model_max_length). */
  encode(text: string, { maxLength = this.modelMaxLength }: { maxLength?: number } = {}): number[] {
    checkMaxLength(maxLength, 2, '[CLS] and [SEP]');
    return [this.clsId, ...this.ids(this.tokenize(text).slice(0, maxLength - 2)), this.sepId];
  }

  /**
   * [CLS] a [SEP] b [SEP] as ids and token type ids; when that is over maxLength, the tokens of a
   * and b are cut with Hugging Face's `longest_first` truncation (see `longestFirst`).
   */
  encodePair(text: string, pair: string, { maxLength = this.modelMaxLength }: { maxLength?: number } = {}): PairEncoding {
    checkMaxLength(maxLength, 3, '[CLS] and two [SEP]');
    const [a, b] = [this.tokenize(text), this.tokenize(pair)];
    const [keepA, keepB] = longestFirst(a.length, b.length, maxLength - 3);
    const first = [this.clsId, ...this.ids(a.slice(0, keepA)), this.sepId];
    const second = [...this.ids(b.slice(0, keepB)), this.sepId];
    return { ids: [...first, ...second], typeIds: [...first.map(() => 0), ...second.map(() => 1)] };
  }

  private ids(tokens: readonly string[]): number[] {
    return tokens.map((token) => this.tokenToId.get(token)!);
  }

  /** Encodes every text and pads them to the longest one (dynamic padding), or with `padToMultipleOf` past it (see `paddedLength`). */
  encodeBatch(texts: string[], maxLength: number = this.modelMaxLength, padding: PaddingOptions = {}): EncodedBatch {
    return this.padBatch(
      texts.map((text) => this.encode(text, { maxLength })),
      undefined,
      padding,
    );
  }

  /** Encoded rows (from `encode`, or `encodePair` with their type ids) padded as `encodeBatch` pads them. */
  padBatch(
    rows: readonly (readonly number[])[],
    typeRows?: readonly (readonly number[])[],
    { padToMultipleOf }: PaddingOptions = {},
  ): EncodedBatch {
    const batch = rows.length;
    const seqLen = paddedLength(
      rows.reduce((longest, row) => Math.max(longest, row.length), 0),
      padToMultipleOf,
    );
    const ids = new Int32Array(batch * seqLen).fill(this.padId);
    const mask = new Int32Array(batch * seqLen);
    const typeIds = new Int32Array(batch * seqLen);
    rows.forEach((row, b) => {
      ids.set(row, b * seqLen);
      mask.fill(1, b * seqLen, b * seqLen + row.length);
      if (typeRows) typeIds.set(typeRows[b], b * seqLen);
    });
    return { ids, mask, typeIds, batch, seqLen };
  }

  /** Text from ids, with Hugging Face's "##" joining and tokenization-space clean-up. */
  decode(ids: ArrayLike<number>, { skipSpecialTokens = false }: { skipSpecialTokens?: boolean } = {}): string {
    const tokens: string[] = [];
    for (const id of Array.from(ids)) {
      const token = this.idToToken[id];
      if (token === undefined) throw new Error(`tokenizer: id ${id} is outside the vocabulary of ${this.vocabSize}`);
      if (!(skipSpecialTokens && this.specialTokenIds.has(id))) tokens.push(token);
    }
    const joined = tokens.join(' ').replaceAll(` ${CONTINUATION_PREFIX}`, '');
    return CLEANUP_REPLACEMENTS.reduce((text, [from, to]) => text.replaceAll(from, to), joined);
  }

  /** BertNormalizer: drop invalid/control chars, unify whitespace, space out CJK, lowercase, strip accents. */
  private normalize(text: string): string {
    let out = '';
    for (const char of text) {
      if (char === '\0' || char === '\uFFFD') continue;
      if (char !== '\t' && char !== '\n' && char !== '\r' && CONTROL.test(char)) continue;
      if (WHITESPACE.test(char)) out += ' ';
      else if (isCjk(char.codePointAt(0)!)) out += ` ${char} `;
      else out += char;
    }
    if (this.doLowerCase) out = out.toLowerCase();
    if (this.stripAccents) out = out.normalize('NFD').replace(NONSPACING_MARKS, '');
    return out;
  }

  /** Greedy longest-match-first WordPiece; a word with an unmatched rest is one [UNK]. */
  private wordPieces(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > MAX_WORD_CHARS) return ['[UNK]'];
    const pieces: string[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let piece: string | undefined;
      for (; end > start; end--) {
        const candidate = (start > 0 ? CONTINUATION_PREFIX : '') + chars.slice(start, end).join('');
        if (this.tokenToId.has(candidate)) {
          piece = candidate;
          break;
        }
      }
      if (piece === undefined) return ['[UNK]'];
      pieces.push(piece);
      start = end;
    }
    return pieces;
  }
}

/**
 * The length a batch whose longest row holds `longest` tokens is padded to: that length, or the
 * next multiple of `padToMultipleOf`, as Hugging Face's tokenizer `pad` (and so
 * DataCollatorWithPadding(pad_to_multiple_of=…)) rounds it in tokenization_utils_base.py's `_pad`.
 * The rows were truncated before, so a batch may be padded past max_length (30 tokens, a
 * multiple of 8: 32). Fewer distinct lengths mean fewer batch shapes; docs/training.md says what
 * that saves here.
 */
export function paddedLength(longest: number, padToMultipleOf = 1): number {
  return Math.ceil(longest / padToMultipleOf) * padToMultipleOf;
}

function checkMaxLength(maxLength: number, least: number, specials: string): void {
  if (!Number.isInteger(maxLength) || maxLength < least) {
    throw new Error(`tokenizer: maxLength must be an integer >= ${least} to hold ${specials}, got ${maxLength}`);
  }
}

/**
 * How many tokens of each sentence of a pair to keep within `budget`: Hugging Face's `longest_first`
 * as the Rust tokenizers (the fast tokenizers that transformers uses by default) compute it. The
 * longer sentence is cut first, down to the shorter one's length; if both are still too long, the
 * shorter keeps floor(budget / 2) and the longer the rest (on equal lengths the first is "shorter").
 */
export function longestFirst(first: number, second: number, budget: number): [number, number] {
  if (first + second <= budget) return [first, second];
  const short = Math.min(first, second);
  let keepShort = short;
  let keepLong = short > budget ? short : Math.max(short, budget - short);
  if (keepShort + keepLong > budget) {
    keepShort = Math.floor(budget / 2);
    keepLong = keepShort + (budget % 2);
  }
  return first > second ? [keepLong, keepShort] : [keepShort, keepLong];
}

function readText(file: string): string {
  try {
    return files.readText(file);
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as FileError).code ?? (error as Error).message})`);
  }
}
