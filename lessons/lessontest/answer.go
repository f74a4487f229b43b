package lessontest

import (
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A lesson's exercises each carry a key (参考答案): a fenced block with the
// info string "answer" in lesson.md, whose content is Markdown. Where a key
// claims something a demo prints, the lesson's tests read the claim from
// the key itself, so the key and the code cannot drift apart.

// AnswerKey returns the raw Markdown of the n-th ```answer block (1-based)
// of lesson.md in files: its content lines, with the fence's own
// indentation removed (a key written inside a list item is indented with
// it).
func AnswerKey(files fs.FS, n int) (string, error) {
	keys, err := AnswerKeys(files)
	if err != nil {
		return "", err
	}
	if n < 1 || n > len(keys) {
		return "", fmt.Errorf("lesson.md: answer key %d asked for, the lesson has %d", n, len(keys))
	}
	return keys[n-1], nil
}

// AnswerKeys returns every ```answer block of lesson.md in files, in order.
func AnswerKeys(files fs.FS) ([]string, error) {
	src, err := fs.ReadFile(files, "lesson.md")
	if err != nil {
		return nil, err
	}
	blocks, err := fencedBlocks(string(src))
	if err != nil {
		return nil, fmt.Errorf("lesson.md: %w", err)
	}
	var keys []string
	for _, b := range blocks {
		if b.info == "answer" {
			keys = append(keys, b.body)
		}
	}
	return keys, nil
}

// CheckEveryExerciseHasAKey fails tb unless the lesson's ## 练习 section
// has exercises and exactly as many ```answer blocks as exercises. An
// exercise is a numbered list item at the start of a line, or a ### 练习
// subsection, in that section.
func CheckEveryExerciseHasAKey(tb testing.TB, files fs.FS) {
	tb.Helper()
	src, err := fs.ReadFile(files, "lesson.md")
	if err != nil {
		tb.Fatal(err)
	}
	exercises := countExercises(string(src))
	keys, err := AnswerKeys(files)
	if err != nil {
		tb.Fatal(err)
	}
	if exercises == 0 || len(keys) != exercises {
		tb.Errorf("lesson.md: %d exercises and %d answer keys, want one key per exercise", exercises, len(keys))
	}
}

// An exercise: "1. " at the start of a line, or a "### 练习" heading.
var exerciseLine = regexp.MustCompile(`^(?:\d+\.\s|###\s+练习)`)

// countExercises counts the exercises of the ## 练习 section, outside
// fenced blocks (a key may hold a numbered list of its own).
func countExercises(src string) int {
	in, fence, n := false, "", 0
	for _, line := range strings.Split(src, "\n") {
		if fence != "" {
			if isClosing(line, fence) {
				fence = ""
			}
			continue
		}
		if m := fenceOpen.FindStringSubmatch(line); m != nil {
			fence = m[2]
			continue
		}
		if strings.HasPrefix(line, "## ") {
			in = strings.TrimSpace(line[3:]) == "练习"
			continue
		}
		if in && exerciseLine.MatchString(line) {
			n++
		}
	}
	return n
}

// MustAnswerKey is AnswerKey for a test: a missing key ends the test.
func MustAnswerKey(tb testing.TB, files fs.FS, n int) string {
	tb.Helper()
	key, err := AnswerKey(files, n)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// Excerpts returns the console excerpts a key quotes: the content of every
// fenced block inside it whose info string is "text" (written ~~~text, so
// that it can sit inside the ```answer fence).
func Excerpts(key string) []string {
	blocks, err := fencedBlocks(key)
	if err != nil {
		return nil
	}
	var out []string
	for _, b := range blocks {
		if b.info == "text" {
			out = append(out, b.body)
		}
	}
	return out
}

// CheckExcerpts fails tb unless the key quotes at least one console
// excerpt and every line of every excerpt is a whole line of output. The
// lines are checked one by one, not in order: lines printed at one instant
// by two goroutines may come either way round, and a key quotes them in
// one of those orders.
func CheckExcerpts(tb testing.TB, key, output string) {
	tb.Helper()
	excerpts := Excerpts(key)
	if len(excerpts) == 0 {
		tb.Fatalf("the key quotes no console excerpt (a ~~~text block):\n%s", key)
	}
	for _, e := range excerpts {
		CheckExcerpt(tb, e, output)
	}
}

// CheckExcerpt is CheckExcerpts for one excerpt, for a key that quotes
// the consoles of several runs, one excerpt each.
func CheckExcerpt(tb testing.TB, excerpt, output string) {
	tb.Helper()
	for _, l := range unprinted(excerpt, output) {
		tb.Errorf("the key quotes %q, which the demo did not print; it printed:\n%s", l, output)
	}
}

// unprinted returns the lines of excerpt that output does not hold as
// whole lines.
func unprinted(excerpt, output string) []string {
	printed := map[string]bool{}
	for _, l := range strings.Split(output, "\n") {
		printed[l] = true
	}
	var missing []string
	for _, l := range strings.Split(strings.TrimSuffix(excerpt, "\n"), "\n") {
		if !printed[l] {
			missing = append(missing, l)
		}
	}
	return missing
}

// Claim returns the text of the first code span that follows label in
// key: for a key saying "顺序版：`2.0–2.5 秒`", Claim(key, "顺序版") is
// "2.0–2.5 秒". It is how a test reads a number or a phrase the key
// commits to.
func Claim(key, label string) (string, error) {
	_, after, found := strings.Cut(key, label)
	if !found {
		return "", fmt.Errorf("the key never says %q:\n%s", label, key)
	}
	m := codeSpan.FindStringSubmatch(after)
	if m == nil {
		return "", fmt.Errorf("no `quoted` claim after %q in the key:\n%s", label, key)
	}
	return m[1], nil
}

// MustClaim is Claim for a test.
func MustClaim(tb testing.TB, key, label string) string {
	tb.Helper()
	c, err := Claim(key, label)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// codeSpan is a single-backtick code span.
var codeSpan = regexp.MustCompile("`([^`\n]+)`")

// Range reads a claim such as "0.9–1.5 秒" or "50–51" (an en dash, a
// hyphen or a tilde between the ends): the two numbers. A single number is
// a range of one.
func Range(claim string) (lo, hi float64, err error) {
	m := rangeRE.FindStringSubmatch(claim)
	if m == nil {
		return 0, 0, fmt.Errorf("claim %q holds no number or range", claim)
	}
	lo, err = strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, 0, err
	}
	hi = lo
	if m[2] != "" {
		if hi, err = strconv.ParseFloat(m[2], 64); err != nil {
			return 0, 0, err
		}
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("claim %q: range runs backwards", claim)
	}
	return lo, hi, nil
}

var rangeRE = regexp.MustCompile(`(\d+(?:\.\d+)?)(?:\s*[–~-]\s*(\d+(?:\.\d+)?))?`)

// MustRange is Claim followed by Range, for a test.
func MustRange(tb testing.TB, key, label string) (lo, hi float64) {
	tb.Helper()
	lo, hi, err := Range(MustClaim(tb, key, label))
	if err != nil {
		tb.Fatal(err)
	}
	return lo, hi
}

// fenced is one fenced code block: the first word of its info string and
// its content.
type fenced struct {
	info string
	body string
}

// An opening fence: up to three spaces of indentation inside its
// container, three or more backticks or tildes, then the info string. The
// indentation allowed here is wider, because a fence inside a list item is
// indented by the item's marker as well.
var fenceOpen = regexp.MustCompile("^( *)(`{3,}|~{3,})\\s*([^`]*)$")

// fencedBlocks finds the fenced code blocks of a Markdown text the way
// CommonMark closes them: a closing fence is the opening character repeated
// at least as often, with nothing after it but spaces. Nested lists,
// block quotes and indented code are not followed; lessons do not put
// fences in those.
func fencedBlocks(src string) ([]fenced, error) {
	var blocks []fenced
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		m := fenceOpen.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent, fence := len(m[1]), m[2]
		info, _, _ := strings.Cut(strings.TrimSpace(m[3]), " ")
		var body []string
		closed := false
		for i++; i < len(lines); i++ {
			if isClosing(lines[i], fence) {
				closed = true
				break
			}
			body = append(body, dedent(lines[i], indent))
		}
		if !closed {
			return nil, fmt.Errorf("a %s block opened with %s is never closed", info, fence)
		}
		text := strings.Join(body, "\n")
		if len(body) > 0 {
			text += "\n"
		}
		blocks = append(blocks, fenced{info: info, body: text})
	}
	return blocks, nil
}

// isClosing reports whether line closes a block opened with fence.
func isClosing(line, fence string) bool {
	t := strings.TrimSpace(line)
	if len(t) < len(fence) || t[0] != fence[0] {
		return false
	}
	return strings.Trim(t, fence[:1]) == ""
}

// dedent removes up to n leading spaces, as CommonMark does for the
// content of a fence indented by n.
func dedent(line string, n int) string {
	for n > 0 && strings.HasPrefix(line, " ") {
		line = line[1:]
		n--
	}
	return line
}
