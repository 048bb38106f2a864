// Tokenizes every `.slo` file of the repository and every ```slo block of
// its documentation with the TextMate engine VS Code itself uses
// (vscode-textmate on the Oniguruma WASM build), and checks the scopes
// against a scanner of its own: a plain reading of the language's lexical
// rules (grammar/slo.pest), written without the grammar's regular
// expressions. Run with `npm test`; exits 1 listing every failure.
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const EXTENSION = path.resolve(__dirname, '..');
const ROOT = path.resolve(EXTENSION, '..', '..');
const GRAMMAR = path.join(EXTENSION, 'syntaxes', 'slo.tmLanguage.json');

// ---------------------------------------------------------------------------
// The compiler's reserved words, read from its source so that the grammar
// cannot fall behind it.

function compilerKeywords() {
  const file = path.join(ROOT, 'src', 'syntax', 'mod.rs');
  const source = fs.readFileSync(file, 'utf8');
  const found = /pub\s+const\s+KEYWORDS\s*:\s*\[\s*&(?:'static\s+)?str\s*;\s*(\d+)\s*\]\s*=\s*\[([^\]]*)\]/.exec(
    source,
  );
  if (!found) {
    throw new Error(`${file}: no \`pub const KEYWORDS: [&str; N] = [...]\` found`);
  }
  const words = [...found[2].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  if (words.length === 0 || words.length !== Number(found[1])) {
    throw new Error(`${file}: KEYWORDS says ${found[1]} words, read ${words.length}: ${words}`);
  }
  return words;
}

const KEYWORDS = compilerKeywords();

// ---------------------------------------------------------------------------
// The engine.

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.slo'
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR)
        : null,
  });
  const grammar = await registry.loadGrammar('source.slo');
  if (!grammar) throw new Error(`${GRAMMAR}: vscode-textmate loaded no grammar`);
  return grammar;
}

/** The lines of `text` as an editor shows them: no BOM, no line ends. */
function editorLines(text) {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/** Per line, the tokens `{ start, end, scopes }` the grammar gives. */
function tokenize(grammar, lines) {
  let stack = vsctm.INITIAL;
  return lines.map((line, i) => {
    const result = grammar.tokenizeLine(line, stack);
    if (result.stoppedEarly) throw new Error(`tokenizing stopped early on line ${i + 1}`);
    stack = result.ruleStack;
    return result.tokens.map((t) => ({ start: t.startIndex, end: t.endIndex, scopes: t.scopes }));
  });
}

function scopesAt(tokens, line, col) {
  const found = tokens[line].find((t) => t.start <= col && col < t.end);
  return found ? found.scopes : [];
}

// ---------------------------------------------------------------------------
// The independent scanner: the lexical pieces of a file, by the rules of
// grammar/slo.pest.

const isIdentStart = (c) => /[A-Za-z_]/.test(c);
const isIdentChar = (c) => /[A-Za-z0-9_-]/.test(c);
const isDigit = (c) => c >= '0' && c <= '9';

const UNITS = ['ms', 's', 'm', 'h', 'd', 'w'];

/** What a run of digits and identifier characters is: a literal kind or null. */
function literalKind(run, next) {
  let i = 0;
  const number = () => {
    const start = i;
    while (i < run.length && isDigit(run[i])) i++;
    if (i === start) return false;
    if (run[i] === '.' && isDigit(run[i + 1] || '')) {
      i++;
      while (i < run.length && isDigit(run[i])) i++;
    }
    return true;
  };
  if (!number()) return null;
  if (i === run.length) return next === '%' ? 'percentage' : 'number';
  if (run.slice(i) === 'x') return 'factor';
  // Number-unit pairs to the end of the run.
  i = 0;
  while (i < run.length) {
    if (!number()) return null;
    const unit = UNITS.find((u) => run.startsWith(u, i));
    if (!unit) return null;
    i += unit.length;
  }
  return 'duration';
}

/**
 * The pieces of `lines`: comments, strings (with their escapes), PromQL
 * (one piece per line it covers) and the tokens between them (words,
 * literals, punctuation), each `{ kind, line, col, end, text }`.
 */
function scan(lines) {
  const pieces = [];
  let inPromql = false;
  lines.forEach((text, line) => {
    let col = 0;
    const push = (kind, start, end, extra = {}) =>
      pieces.push({ kind, line, col: start, end, text: text.slice(start, end), ...extra });
    while (col < text.length) {
      if (inPromql) {
        const close = text.indexOf('`', col);
        const end = close < 0 ? text.length : close + 1;
        if (end > col) push('promql', col, end);
        inPromql = close < 0;
        col = end;
        continue;
      }
      const c = text[col];
      if (c === ' ' || c === '\t' || c === '\r') {
        col++;
      } else if (c === '#') {
        push('comment', col, text.length);
        col = text.length;
      } else if (c === '"') {
        // To the closing quote; a string never closed ends with its line.
        let i = col + 1;
        const escapes = [];
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) {
            escapes.push({ col: i, text: text.slice(i, i + 2) });
            i += 2;
          } else {
            i++;
          }
        }
        const end = Math.min(i + 1, text.length);
        push('string', col, end, { escapes });
        col = end;
      } else if (c === '`') {
        inPromql = true;
        const close = text.indexOf('`', col + 1);
        const end = close < 0 ? text.length : close + 1;
        push('promql', col, end);
        inPromql = close < 0;
        col = end;
      } else if (isIdentStart(c)) {
        let i = col + 1;
        while (i < text.length && isIdentChar(text[i])) i++;
        push('word', col, i);
        col = i;
      } else if (isDigit(c)) {
        // The whole run, then what it is; one that follows an identifier
        // character or is none of the literals is nothing to check.
        let i = col + 1;
        while (i < text.length && (isIdentChar(text[i]) || text[i] === '.')) i++;
        const after = col > 0 && isIdentChar(text[col - 1]);
        const kind = after ? null : literalKind(text.slice(col, i), text[i]);
        if (kind === 'percentage') i++;
        push('literal', col, i, { literal: kind });
        col = i;
      } else {
        push('punct', col, col + 1);
        col++;
      }
    }
  });
  return pieces;
}

/**
 * Within one line of PromQL: its strings, its `#` comment and each
 * `$window` outside them, as spans of the line.
 */
function promqlPieces(piece) {
  const out = [];
  const text = piece.text;
  const span = (kind, start, end) =>
    out.push({ kind, line: piece.line, col: piece.col + start, end: piece.col + end, text: text.slice(start, end) });
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      // To the closing quote, the closing backtick or the end of the line.
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '`') j += text[j] === '\\' ? 2 : 1;
      const end = Math.min(text[j] === c ? j + 1 : j, text.length);
      span('string', i, end);
      i = end;
    } else if (c === '#') {
      const close = text.indexOf('`', i);
      span('comment', i, close < 0 ? text.length : close);
      break;
    } else if (text.startsWith('$window', i) && !/[\w:]/.test(text[i + 7] || '')) {
      span('$window', i, i + 7);
      i += 7;
    } else {
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// What the scopes must be.

const PROMQL_SCOPES = {
  string: 'string.quoted',
  comment: 'comment.line.number-sign.promql',
  $window: 'variable.language.window.slo',
};

const RESERVED = new Set(KEYWORDS);
const HEADERS = new Set(['policy', 'service', 'sli', 'slo']);

const LITERAL_SCOPES = {
  duration: 'constant.numeric.duration.slo',
  percentage: 'constant.numeric.percentage.slo',
  factor: 'constant.numeric.factor.slo',
  number: 'constant.numeric.slo',
};

const has = (prefix) => (scopes) => scopes.some((s) => s === prefix || s.startsWith(`${prefix}.`));
const isKeyword = (scopes) => has('keyword')(scopes) || has('storage')(scopes);
isKeyword.describe = 'keyword.* or storage.*';
const expectScope = (prefix) => {
  const test = has(prefix);
  test.describe = prefix;
  return test;
};

/** `[{ line, col, end, text, expect, what }]`: every span and the scope test each of its characters must pass. */
function expectations(lines) {
  const pieces = scan(lines);
  const out = [];
  const want = (p, test, what, span = p) =>
    out.push({ line: span.line, col: span.col, end: span.end, text: span.text, test, what });
  // The tokens between comments, strings and PromQL, in order.
  const code = pieces.filter((p) => p.kind !== 'comment');
  code.forEach((p, i) => {
    const prev = code[i - 1];
    const next = code[i + 1];
    const sameLine = (q) => q && q.line === p.line;
    const nextIs = (text) => next && next.text === text;
    const prevWord = sameLine(prev) && prev.kind === 'word' ? prev.text : null;
    const firstOnLine = !sameLine(prev);
    switch (p.kind) {
      case 'string':
        want(p, expectScope('string.quoted.double'), 'a string');
        for (const e of p.escapes) {
          if (/^\\["\\nt]$/.test(e.text)) {
            want(p, expectScope('constant.character.escape'), 'an escape', {
              line: p.line,
              col: e.col,
              end: e.col + 2,
              text: e.text,
            });
          }
        }
        break;
      case 'promql':
        want(p, expectScope('meta.embedded.promql.slo'), 'PromQL');
        for (const q of promqlPieces(p)) {
          want(p, expectScope(PROMQL_SCOPES[q.kind]), `PromQL's ${q.kind}`, q);
        }
        break;
      case 'literal':
        if (p.literal) want(p, expectScope(LITERAL_SCOPES[p.literal]), `a ${p.literal}`);
        break;
      case 'word': {
        const key = sameLine(next) && nextIs('=');
        // `receiver NAME`, where `receiver` starts its line (elsewhere it is a key or a name).
        const receiverHeader =
          prevWord === 'receiver' && !(code[i - 2] && code[i - 2].line === p.line);
        const named = (prevWord !== null && HEADERS.has(prevWord)) || receiverHeader;
        if (RESERVED.has(p.text) && !key) {
          want(p, isKeyword, `the keyword \`${p.text}\``);
        } else if (named && !RESERVED.has(p.text)) {
          want(p, expectScope('entity.name'), `the name after \`${prevWord}\``);
        } else if (key) {
          want(p, expectScope('variable.other.key.slo'), 'a setting key');
        } else if (p.text === 'receiver' && firstOnLine && sameLine(next) && next.kind === 'word') {
          want(p, isKeyword, 'the keyword `receiver`');
        } else if (p.text === 'notify' && firstOnLine) {
          want(p, isKeyword, 'the keyword `notify`');
        } else if (p.text === 'team' && prevWord === 'notify') {
          want(p, isKeyword, 'the keyword `team` of a notify scope');
        } else if (p.text === 'annotations' && nextIs('{')) {
          want(p, isKeyword, 'the keyword `annotations`');
        } else if (p.text === 'drop' && nextIs('over')) {
          want(p, isKeyword, 'the keyword `drop`');
        } else if (
          sameLine(next) &&
          ((next.kind === 'literal' && (next.literal === 'factor' || next.literal === 'percentage')) ||
            next.text === 'labels' ||
            next.text === 'annotations')
        ) {
          want(p, expectScope('constant.other.severity.slo'), 'a severity');
        }
        break;
      }
      default:
        break;
    }
  });
  for (const p of pieces.filter((q) => q.kind === 'comment')) {
    want(p, expectScope('comment.line.number-sign.slo'), 'a comment');
  }
  return out;
}

/** The failures of `lines` tokenized, as messages naming `where`. */
let checkedSpans = 0;

function check(grammar, where, lines, firstLine = 1) {
  const tokens = tokenize(grammar, lines);
  const failures = [];
  for (const e of expectations(lines)) {
    checkedSpans++;
    for (let col = e.col; col < e.end; col++) {
      const scopes = scopesAt(tokens, e.line, col);
      if (!e.test(scopes)) {
        failures.push(
          `${where}:${e.line + firstLine}:${col + 1}: ${e.what} ${JSON.stringify(e.text)} ` +
            `wants ${e.test.describe} at ${JSON.stringify(lines[e.line][col])}, found [${scopes.join(', ')}]`,
        );
        break;
      }
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------
// The corpus.

function sloFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sloFiles(p));
    else if (entry.name.endsWith('.slo')) out.push(p);
  }
  return out.sort();
}

/** Every ```slo block of `file`: `{ line, lines }`, `line` the first line's number. */
function docBlocks(file) {
  const lines = editorLines(fs.readFileSync(file, 'utf8'));
  const blocks = [];
  let open = null;
  lines.forEach((line, i) => {
    if (open === null) {
      const fence = /^(\s*)```slo\s*$/.exec(line);
      if (fence) open = { indent: fence[1].length, line: i + 2, lines: [] };
    } else if (/^\s*```\s*$/.test(line)) {
      blocks.push(open);
      open = null;
    } else {
      open.lines.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    }
  });
  if (open) throw new Error(`${file}:${open.line - 1}: a \`\`\`slo block that is never closed`);
  return blocks;
}

// ---------------------------------------------------------------------------
// Exact scopes on a hand-written snippet.

const SNIPPET = [
  'policy standard {',
  '  page   14.4x over 1h/5m for 2m',
  '  ticket 2%    over 3d/6h',
  '  page labels { routing_key = "pay\\"ments" }',
  '}',
  'service checkout {  # the tour',
  '  sli requests = ratio {',
  '    bad   = `sum(rate(http_requests_total{code=~"5.."}[$window]))`',
  '    total = `sum by (route) (rate(http_requests_total[5m] offset 1h))`',
  '  }',
  '  slo availability {',
  '    sli      = requests',
  '    target   = 99.9%',
  '    window   = 1h30m',
  '    alerting = none',
  '    annotations { summary = "unclosed',
  '  }',
  '}',
  'receiver pager = pagerduty {',
  '  routing_key_file = "/etc/secret"',
  '}',
  'notify team "payments" {',
  '  page = pager',
  '}',
  'notify service checkout {',
  '}',
  // Unbalanced input: each mistake ends where the language ends it.
  'service broken {',
  '  team = "never closed',
  '  slo b {',
  '    bad   = `sum(rate(x{code="5..}[5m`',
  '    total = `sum(',
  '      rate(x[5m])[1h:1m]  # a PromQL comment',
  '    )`',
  '    target = 99% # "quote `tick',
  '    alerting = standard { page 10x over 1h/5m }',
  '  }',
  '}',
];

/** `[line, text, occurrence, scope]`: the `occurrence`th `text` on line `line` (1-based) has a scope starting with `scope`. */
const EXACT = [
  [1, 'policy', 1, 'storage.type.policy.slo'],
  [1, 'standard', 1, 'entity.name.type.policy.slo'],
  [2, 'page', 1, 'constant.other.severity.slo'],
  [2, '14.4x', 1, 'constant.numeric.factor.slo'],
  [2, 'over', 1, 'keyword.other.over.slo'],
  [2, '1h', 1, 'constant.numeric.duration.slo'],
  [2, '/', 1, 'punctuation.separator.windows.slo'],
  [2, '5m', 1, 'constant.numeric.duration.slo'],
  [2, 'for', 1, 'keyword.other.for.slo'],
  [2, '2m', 1, 'constant.numeric.duration.slo'],
  [3, 'ticket', 1, 'constant.other.severity.slo'],
  [3, '2%', 1, 'constant.numeric.percentage.slo'],
  [4, 'page', 1, 'constant.other.severity.slo'],
  [4, 'labels', 1, 'storage.type.labels.slo'],
  [4, 'routing_key', 1, 'variable.other.key.slo'],
  [4, '\\"', 1, 'constant.character.escape.slo'],
  [6, 'service', 1, 'storage.type.service.slo'],
  [6, 'checkout', 1, 'entity.name.type.service.slo'],
  [6, '# the tour', 1, 'comment.line.number-sign.slo'],
  [7, 'sli', 1, 'storage.type.sli.slo'],
  [7, 'requests', 1, 'entity.name.function.sli.slo'],
  [7, 'ratio', 1, 'support.type.kind.slo'],
  [8, 'bad', 1, 'variable.other.key.slo'],
  [8, '`', 1, 'punctuation.definition.promql.begin.slo'],
  [8, 'sum', 1, 'support.function.promql'],
  [8, 'rate', 1, 'support.function.promql'],
  [8, 'http_requests_total', 1, 'meta.embedded.promql.slo'],
  [8, 'code', 1, 'variable.other.label.promql'],
  [8, '=~', 1, 'keyword.operator.matcher.promql'],
  [8, '"5.."', 1, 'string.quoted.double.promql'],
  [8, '$window', 1, 'variable.language.window.slo'],
  [8, '`', 2, 'punctuation.definition.promql.end.slo'],
  [9, 'by', 1, 'keyword.operator.modifier.promql'],
  [9, 'route', 1, 'meta.embedded.promql.slo'],
  [9, '5m', 1, 'constant.numeric.duration.promql'],
  [9, 'offset', 1, 'keyword.operator.modifier.promql'],
  [9, '1h', 1, 'constant.numeric.duration.promql'],
  [11, 'slo', 1, 'storage.type.slo.slo'],
  [11, 'availability', 1, 'entity.name.function.objective.slo'],
  [12, 'sli', 1, 'variable.other.key.slo'],
  [13, 'target', 1, 'variable.other.key.slo'],
  [13, '=', 1, 'keyword.operator.assignment.slo'],
  [13, '99.9%', 1, 'constant.numeric.percentage.slo'],
  [14, '1h30m', 1, 'constant.numeric.duration.slo'],
  [15, 'none', 1, 'constant.language.none.slo'],
  [16, 'annotations', 1, 'storage.type.annotations.slo'],
  [16, '"unclosed', 1, 'string.quoted.double.slo'],
  // The string never closed ends with its line.
  [17, '}', 1, 'punctuation.section.block.end.slo'],
  [19, 'receiver', 1, 'storage.type.receiver.slo'],
  [19, 'pager', 1, 'entity.name.type.receiver.slo'],
  [19, 'pagerduty', 1, 'support.type.kind.slo'],
  [20, 'routing_key_file', 1, 'variable.other.key.slo'],
  [22, 'notify', 1, 'storage.type.notify.slo'],
  [22, 'team', 1, 'keyword.other.team.slo'],
  [22, '"payments"', 1, 'string.quoted.double.slo'],
  [23, 'page', 1, 'variable.other.key.slo'],
  [25, 'notify', 1, 'storage.type.notify.slo'],
  [25, 'service', 1, 'storage.type.service.slo'],
  [25, 'checkout', 1, 'entity.name.type.service.slo'],
  [27, 'service', 1, 'storage.type.service.slo'],
  [28, '"never closed', 1, 'string.quoted.double.slo'],
  [29, 'slo', 1, 'storage.type.slo.slo'],
  [29, 'b', 1, 'entity.name.function.objective.slo'],
  [30, '"5..}[5m', 1, 'string.quoted.double.promql'],
  [30, '`', 2, 'punctuation.definition.promql.end.slo'],
  [31, 'total', 1, 'variable.other.key.slo'],
  [32, 'rate', 1, 'support.function.promql'],
  [32, '5m', 1, 'constant.numeric.duration.promql'],
  [32, '1h', 1, 'constant.numeric.duration.promql'],
  [32, ':', 1, 'punctuation.separator.subquery.promql'],
  [32, '1m', 1, 'constant.numeric.duration.promql'],
  [32, '# a PromQL comment', 1, 'comment.line.number-sign.promql'],
  [32, '  ', 1, 'meta.embedded.promql.slo'],
  [33, ')', 1, 'meta.embedded.promql.slo'],
  [33, '`', 1, 'punctuation.definition.promql.end.slo'],
  [34, 'target', 1, 'variable.other.key.slo'],
  [34, '99%', 1, 'constant.numeric.percentage.slo'],
  [34, '# "quote `tick', 1, 'comment.line.number-sign.slo'],
  [35, 'alerting', 1, 'variable.other.key.slo'],
  [35, 'page', 1, 'constant.other.severity.slo'],
  [35, '10x', 1, 'constant.numeric.factor.slo'],
  [35, 'over', 1, 'keyword.other.over.slo'],
  [36, '}', 1, 'punctuation.section.block.end.slo'],
];

function checkExact(grammar) {
  const tokens = tokenize(grammar, SNIPPET);
  const failures = [];
  for (const [line, text, occurrence, scope] of EXACT) {
    const source = SNIPPET[line - 1];
    let col = -1;
    for (let n = 0; n < occurrence; n++) col = source.indexOf(text, col + 1);
    if (col < 0) {
      failures.push(`snippet:${line}: ${JSON.stringify(text)} not found (the test is wrong)`);
      continue;
    }
    for (let c = col; c < col + text.length; c++) {
      const scopes = scopesAt(tokens, line - 1, c);
      if (!has(scope)(scopes)) {
        failures.push(
          `snippet:${line}:${c + 1}: ${JSON.stringify(text)} wants ${scope}, found [${scopes.join(', ')}]`,
        );
        break;
      }
    }
  }
  return failures;
}

/** The grammar's reserved words are the compiler's, and each one is highlighted as a keyword, never as a name. */
function checkKeywords(grammar) {
  const failures = [];
  const raw = fs.readFileSync(GRAMMAR, 'utf8');
  // The reserved words: the list in every `(?!(?:policy|defaults|…)` that keeps them from being names.
  const where = path.relative(ROOT, GRAMMAR);
  const lists = new Set([...raw.matchAll(/\(\?!\(\?:((?:[a-z_]+\|)*[a-z_]+)\)/g)].map((m) => m[1]));
  if (lists.size === 0) {
    failures.push(`${where}: no reserved-word list \`(?!(?:policy|…)\` found`);
  }
  for (const list of lists) {
    const words = list.split('|');
    const missing = KEYWORDS.filter((k) => !words.includes(k));
    const extra = words.filter((w) => !KEYWORDS.includes(w));
    if (missing.length || extra.length) {
      failures.push(
        `${where}: the reserved words [${words}] are not KEYWORDS of src/syntax/mod.rs ` +
          `(missing: [${missing}], not reserved: [${extra}])`,
      );
    }
  }
  for (const word of KEYWORDS) {
    for (const line of [word, `service ${word} {`, `  ${word} {`, `x = ${word}`]) {
      const tokens = tokenize(grammar, [line]);
      const col = line.lastIndexOf(word);
      const scopes = scopesAt(tokens, 0, col);
      if (!isKeyword(scopes) || has('entity.name')(scopes)) {
        failures.push(
          `keyword ${JSON.stringify(word)} in ${JSON.stringify(line)}: wants keyword.* or storage.*, ` +
            `found [${scopes.join(', ')}]`,
        );
      }
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------

async function main() {
  const grammar = await loadGrammar();
  const failures = [
    ...checkKeywords(grammar),
    ...checkExact(grammar),
    ...check(grammar, 'snippet', SNIPPET),
  ];

  const files = ['specs', path.join('tests', 'errors')].flatMap((d) => sloFiles(path.join(ROOT, d)));
  for (const file of files) {
    // Lossy as an editor reads it: a byte that is not UTF-8 is U+FFFD.
    const text = fs.readFileSync(file).toString('utf8');
    failures.push(...check(grammar, path.relative(ROOT, file), editorLines(text)));
  }

  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => path.join(ROOT, 'docs', f))
    .concat(path.join(ROOT, 'README.md'));
  let blocks = 0;
  for (const doc of docs) {
    for (const block of docBlocks(doc)) {
      blocks++;
      failures.push(...check(grammar, path.relative(ROOT, doc), block.lines, block.line));
    }
  }

  if (files.length === 0 || blocks === 0) {
    failures.push(`nothing to tokenize: ${files.length} .slo files, ${blocks} doc blocks`);
  }
  if (failures.length > 0) {
    console.error(`slo.tmLanguage.json: ${failures.length} failure(s):`);
    for (const f of failures) console.error(`  ${f}`);
    process.exit(1);
  }
  console.log(
    `grammar ok: tokenized ${files.length} files and ${blocks} doc blocks ` +
      `(${checkedSpans} pieces checked, ${EXACT.length} exact scopes, ` +
      `keywords ${KEYWORDS.join(' ')})`,
  );
}

main().catch((err) => {
  console.error(`grammar test failed to run: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
