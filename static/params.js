// Parameter values, checked exactly as the server checks them
// (runner/params.go: Demo.Parse and Param.parse), so that most mistakes are
// caught before a run. The server checks again, and its message lands in
// the same place next to the field.
//
// Pure functions, no DOM. The Go parser is the contract: the table of cases
// in runner/testdata/param_cases.json goes through the Go parser in
// runner's tests and through this very module in web's browser tests, and
// both must accept and refuse the same values for the same reasons. Hence
// the ports of Go's own parsers below (strings.TrimSpace, strconv.Atoi,
// strconv.ParseFloat, time.ParseDuration) instead of Number() and a regexp:
// those differ from Go at the edges (hex floats, underscores, overflow,
// which characters count as space, bytes against UTF-16 units).
//
// A field is {kind, min, max, maxItems, def, choices}: kind is the Go Kind
// ("int", "float", "duration", "durations", "choice"); min and max are the
// bounds as declared ("" for none); maxItems bounds a durations list (0 or
// less: the general bound); choices lists a choice's values.

// MAX_VALUE bounds the text of one value, in UTF-8 bytes, as maxValueLen.
export const MAX_VALUE = 200;
// MAX_LIST bounds a durations list, as maxListLen.
export const MAX_LIST = 20;

// ---- space ------------------------------------------------------------------
// Go's strings.TrimSpace trims what unicode.IsSpace calls space: JS's \s
// without U+FEFF (a byte order mark is no space to Go), plus U+0085.
const SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const EDGE_SPACE = new RegExp("^" + SPACE + "+|" + SPACE + "+$", "g");

export function trimSpace(s) {
  return s.replace(EDGE_SPACE, "");
}

// utf8Length is len(s) in Go: bytes, not UTF-16 units (a lone surrogate
// arrives at the server as U+FFFD, three bytes).
function utf8Length(s) {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

function isDigit(c) {
  return c >= "0" && c <= "9";
}

// lower is Go's lower(c) in strconv: c | 0x20, enough for ASCII letters.
function lower(c) {
  return String.fromCharCode(c.charCodeAt(0) | 0x20);
}

// ---- int: strconv.Atoi ---------------------------------------------------------
const INT = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// parseInt64 returns the value of a Go int (64 bits) as a Number, as
// float64(n) in Go, or NaN for a syntax error and null when out of range.
function parseInt64(s) {
  if (!INT.test(s)) return NaN;
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) return null;
  return Number(n);
}

// ---- float: strconv.ParseFloat --------------------------------------------------
// parseFloat64 follows strconv.ParseFloat(s, 64): decimal and hexadecimal
// (0x1p-2) forms, underscores between digits, and ±Inf when the value
// is too large. It returns NaN for what Go calls a syntax error, and for
// "inf" and "nan", which Go parses and the server then refuses.
export function parseFloat64(s) {
  const r = readFloat(s);
  if (!r) return NaN;
  if (!r.hex) return Number(s.replace(/_/g, ""));
  return hexFloat(r.neg, r.digits, r.exp);
}

// readFloat is strconv's readFloat: the syntax of a float literal, all of s.
function readFloat(s) {
  let i = 0;
  let underscores = false;
  let neg = false;
  if (s[i] === "+") i++;
  else if (s[i] === "-") {
    i++;
    neg = true;
  }
  let hex = false;
  if (i + 2 < s.length && s[i] === "0" && lower(s[i + 1]) === "x") {
    hex = true;
    i += 2;
  }
  let sawdot = false;
  let sawdigits = false;
  let digits = "";
  let fraction = 0; // digits after the point
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === "_") {
      underscores = true;
    } else if (c === ".") {
      if (sawdot) break;
      sawdot = true;
    } else if (isDigit(c) || (hex && lower(c) >= "a" && lower(c) <= "f")) {
      sawdigits = true;
      digits += c;
      if (sawdot) fraction++;
    } else {
      break;
    }
  }
  if (!sawdigits) return null;
  let exp = 0;
  if (i < s.length && lower(s[i]) === (hex ? "p" : "e")) {
    i++;
    let sign = 1;
    if (s[i] === "+") i++;
    else if (s[i] === "-") {
      i++;
      sign = -1;
    }
    if (i >= s.length || !isDigit(s[i])) return null;
    let e = 0;
    for (; i < s.length && (isDigit(s[i]) || s[i] === "_"); i++) {
      if (s[i] === "_") underscores = true;
      else if (e < 10000) e = e * 10 + Number(s[i]); // as Go: past 10000 the value is 0 or Inf anyway
    }
    exp = sign * e;
  } else if (hex) {
    return null; // a hexadecimal float must have an exponent
  }
  if (i !== s.length) return null;
  if (underscores && !underscoreOK(s)) return null;
  return { neg, hex, digits, exp: hex ? exp - 4 * fraction : exp };
}

// underscoreOK is strconv's: an underscore only between digits, or after
// a base prefix.
function underscoreOK(s) {
  let saw = "^";
  let i = 0;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "box".includes(lower(s[1]))) {
    i = 2;
    saw = "0";
    hex = lower(s[1]) === "x";
  }
  for (; i < s.length; i++) {
    if (isDigit(s[i]) || (hex && lower(s[i]) >= "a" && lower(s[i]) <= "f")) {
      saw = "0";
      continue;
    }
    if (s[i] === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

// hexFloat is mantissa × 2^exp, rounded once to the nearest float64 (ties
// to even), as strconv's atofHex.
function hexFloat(neg, digits, exp) {
  let m = BigInt("0x" + digits);
  if (m === 0n) return neg ? -0 : 0;
  let e = exp;
  const top = m.toString(2).length - 1 + e; // the value is in [2^top, 2^(top+1))
  let x;
  if (top < -1022) {
    // Below the normal range: round to a multiple of 2^-1074 directly.
    const shift = BigInt(-1074 - e);
    if (shift <= 0n) {
      x = Number(m) * 2 ** e;
    } else {
      const q = m >> shift;
      const rest = m - (q << shift);
      const half = 1n << (shift - 1n);
      const k = rest > half || (rest === half && (q & 1n) === 1n) ? q + 1n : q;
      x = Number(k) * 2 ** -1074;
    }
  } else {
    // Keep 64 bits and a sticky bit, round to 53 bits once in Number(),
    // then scale by powers of two, which is exact while the value is normal.
    const bits = m.toString(2).length;
    if (bits > 64) {
      const cut = BigInt(bits - 64);
      const sticky = (m & ((1n << cut) - 1n)) !== 0n;
      m >>= cut;
      if (sticky) m |= 1n;
      e += bits - 64;
    }
    x = Number(m);
    while (e > 1023 && isFinite(x)) {
      x *= 2 ** 1023;
      e -= 1023;
    }
    while (e < -1022) {
      x *= 2 ** -1022;
      e += 1022;
    }
    x *= 2 ** e;
  }
  return neg ? -x : x;
}

// ---- duration: time.ParseDuration -------------------------------------------------
const UNIT_NS = new Map([
  ["ns", 1n], ["us", 1000n], ["µs", 1000n], ["μs", 1000n],
  ["ms", 1000000n], ["s", 1000000000n], ["m", 60000000000n], ["h", 3600000000000n]
]);
const TWO63 = 2n ** 63n;
const UINT64 = 2n ** 64n;

// durationNs is time.ParseDuration: the duration in nanoseconds as a
// BigInt (negative allowed), or null where Go reports an error. Go's
// integer arithmetic is kept, overflow checks and truncated fractions
// included, so "1.9ns" is 1ns here as there.
export function durationNs(s) {
  let d = 0n;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") return null;
  while (s !== "") {
    if (!(s[0] === "." || isDigit(s[0]))) return null;
    // The whole part, as leadingInt.
    let v = 0n;
    let i = 0;
    for (; i < s.length && isDigit(s[i]); i++) {
      if (v > TWO63 / 10n) return null;
      v = v * 10n + BigInt(s[i]);
      if (v > TWO63) return null;
    }
    const pre = i > 0;
    s = s.slice(i);
    // The fraction, as leadingFraction: past 63 bits it stops adding
    // precision but still consumes the digits.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== "" && s[0] === ".") {
      s = s.slice(1);
      let overflow = false;
      i = 0;
      for (; i < s.length && isDigit(s[i]); i++) {
        if (overflow) continue;
        if (f > (TWO63 - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(s[i]);
        if (y > TWO63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > 0;
      s = s.slice(i);
    }
    if (!pre && !post) return null;
    // The unit: everything up to the next digit or point.
    i = 0;
    while (i < s.length && s[i] !== "." && !isDigit(s[i])) i++;
    if (i === 0) return null;
    const unit = UNIT_NS.get(s.slice(0, i));
    s = s.slice(i);
    if (unit === undefined) return null;
    if (v > TWO63 / unit) return null;
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO63) return null;
    }
    d = (d + v) % UINT64; // a uint64, as in Go
    if (d > TWO63) return null;
  }
  if (neg) return -d;
  if (d > TWO63 - 1n) return null;
  return d;
}

// parseDuration reads Go's duration syntax ("1.5s", "1m30s", "0") into
// milliseconds, or NaN.
export function parseDuration(s) {
  const ns = durationNs(trimSpace(s));
  return ns === null ? NaN : Number(ns) / 1e6;
}

export function formatDuration(ms) {
  if (ms <= 0) return "0s";
  if (ms >= 1000) return String(Math.round(ms) / 1000) + "s";
  return String(Math.round(ms * 1000) / 1000) + "ms";
}

// ---- checking a value ---------------------------------------------------------------
// refusal says why raw is not acceptable for the field, as {why, message},
// or null when it is. why is the kind of mistake, the same word the Go
// test finds in the server's message: "length", "syntax", "negative",
// "range", "count" or "choice". message is what the page shows.
// Empty, or only space, means the default, as on the server.
export function refusal(f, raw) {
  const s = trimSpace(raw);
  if (s === "") return null;
  if (utf8Length(s) > MAX_VALUE) {
    return no("length", "太长了：最多 " + MAX_VALUE + " 个字符（一个汉字算 3 个）");
  }
  switch (f.kind) {
    case "int": {
      const n = parseInt64(s);
      if (n === null) return no("syntax", "这个整数太大了");
      if (isNaN(n)) return no("syntax", "要填一个整数，例如 " + (f.def || "5"));
      const bound = (b) => {
        const m = parseInt64(b);
        return m === null ? NaN : m;
      };
      return inRange(f, n, bound, "不能小于 ", "不能大于 ");
    }
    case "float": {
      const x = parseFloat64(s);
      if (!isFinite(x)) return no("syntax", "要填一个数，例如 " + (f.def || "0.5"));
      return inRange(f, x, parseFloat64, "不能小于 ", "不能大于 ");
    }
    case "duration":
      return durationRefusal(f, s);
    case "durations": {
      const parts = s.split(",");
      const most = f.maxItems > 0 && f.maxItems < MAX_LIST ? f.maxItems : MAX_LIST;
      if (parts.length > most) return no("count", "最多 " + most + " 个时长，现在是 " + parts.length + " 个");
      for (let i = 0; i < parts.length; i++) {
        const r = durationRefusal(f, trimSpace(parts[i]));
        if (r) return parts.length > 1 ? no(r.why, "第 " + (i + 1) + " 个：" + r.message) : r;
      }
      return null;
    }
    case "choice":
      return f.choices.includes(s) ? null : no("choice", "只能是 " + f.choices.join("、") + " 之一");
  }
  return null;
}

// checkValue returns why raw is not acceptable, or "".
export function checkValue(f, raw) {
  const r = refusal(f, raw);
  return r ? r.message : "";
}

function no(why, message) {
  return { why, message };
}

function durationRefusal(f, s) {
  const ns = durationNs(s);
  if (ns === null) return no("syntax", "「" + s + "」不是时长：要写成 250ms、1.5s 这样，带上单位");
  if (ns < 0n) return no("negative", "时长不能是负数");
  const bound = (b) => {
    const d = durationNs(b);
    return d === null ? NaN : Number(d);
  };
  return inRange(f, Number(ns), bound, "不能短于 ", "不能长于 ");
}

// inRange compares as Go does, as float64s; a bound that does not parse
// is no bound.
function inRange(f, x, parse, below, above) {
  if (f.min && x < parse(f.min)) return no("range", below + f.min);
  if (f.max && x > parse(f.max)) return no("range", above + f.max);
  return null;
}
