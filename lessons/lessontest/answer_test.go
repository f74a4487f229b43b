package lessontest

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// lesson is a lesson.md with keys in the places lessons put them: inside a
// numbered list item (indented with it), at the top level, one quoting a
// console excerpt, and a longer fence that only shows an answer block as
// code, which is not a key.
const lesson = "---\nslug: x\n---\n\n## 练习\n\n" +
	"1. 第一题。\n\n" +
	"   ```answer\n" +
	"   预计：`0.30 秒`。\n" +
	"\n" +
	"   - 一条要点\n" +
	"   ```\n\n" +
	"2. 第二题。\n\n" +
	"```answer\n" +
	"控制台：\n" +
	"\n" +
	"~~~text\n" +
	"[0.03s]   stage 1 onDone\n" +
	"total 45.90 after 3 stages in 0.06s\n" +
	"~~~\n" +
	"```\n\n" +
	"````markdown\n" +
	"```answer\n" +
	"not a key\n" +
	"```\n" +
	"````\n\n" +
	"3. 第三题。\n\n" +
	"   ~~~~answer\n" +
	"   范围：`50–51`，又见 `x`。\n" +
	"   ~~~~\n"

func files(md string) fstest.MapFS {
	return fstest.MapFS{"lesson.md": &fstest.MapFile{Data: []byte(md)}}
}

func TestAnswerKeyFindsEveryKeyInOrder(t *testing.T) {
	keys, err := AnswerKeys(files(lesson))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"预计：`0.30 秒`。\n\n- 一条要点\n",
		"控制台：\n\n~~~text\n[0.03s]   stage 1 onDone\ntotal 45.90 after 3 stages in 0.06s\n~~~\n",
		"范围：`50–51`，又见 `x`。\n",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys\n got %q\nwant %q", keys, want)
	}
	for n, w := range want {
		got, err := AnswerKey(files(lesson), n+1)
		if err != nil || got != w {
			t.Errorf("AnswerKey(%d) = %q, %v; want %q", n+1, got, err, w)
		}
	}
}

func TestAnswerKeyRefuses(t *testing.T) {
	for _, n := range []int{0, 4, -1} {
		if _, err := AnswerKey(files(lesson), n); err == nil {
			t.Errorf("AnswerKey(%d) of a lesson with 3 keys: no error", n)
		}
	}
	if _, err := AnswerKey(files("1. 题\n\n   ```answer\n   never closed\n"), 1); err == nil {
		t.Error("an unclosed key: no error")
	}
	if _, err := AnswerKey(fstest.MapFS{}, 1); err == nil {
		t.Error("no lesson.md: no error")
	}
}

func TestExcerptsAndUnprinted(t *testing.T) {
	key, err := AnswerKey(files(lesson), 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := Excerpts(key); !slices.Equal(got, []string{"[0.03s]   stage 1 onDone\ntotal 45.90 after 3 stages in 0.06s\n"}) {
		t.Errorf("excerpts %q", got)
	}
	out := "[0.00s] start\n[0.03s]   stage 1 onDone\ntotal 45.90 after 3 stages in 0.06s\n"
	if missing := unprinted(Excerpts(key)[0], out); len(missing) != 0 {
		t.Errorf("all quoted lines printed: missing %q", missing)
	}
	// A line must match whole: indentation and all.
	out = strings.Replace(out, "[0.03s]   stage", "[0.03s] stage", 1)
	if missing := unprinted(Excerpts(key)[0], out); !slices.Equal(missing, []string{"[0.03s]   stage 1 onDone"}) {
		t.Errorf("missing = %q, want the reindented line", missing)
	}
	if got := Excerpts("预计：`0.30 秒`"); len(got) != 0 {
		t.Errorf("a key without an excerpt has excerpts %q", got)
	}
}

func TestClaimAndRange(t *testing.T) {
	key, err := AnswerKey(files(lesson), 3)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Claim(key, "范围")
	if err != nil || c != "50–51" {
		t.Fatalf("Claim = %q, %v", c, err)
	}
	if c, _ := Claim(key, "又见"); c != "x" {
		t.Errorf("Claim after 又见 = %q, want x", c)
	}
	if _, err := Claim(key, "没有的标签"); err == nil {
		t.Error("a label the key lacks: no error")
	}
	for claim, want := range map[string][2]float64{
		"50–51": {50, 51}, "0.9 - 1.5 秒": {0.9, 1.5}, "约 0.30 秒": {0.30, 0.30}, "2~3": {2, 3},
	} {
		lo, hi, err := Range(claim)
		if err != nil || lo != want[0] || hi != want[1] {
			t.Errorf("Range(%q) = %v, %v, %v; want %v", claim, lo, hi, err, want)
		}
	}
	for _, bad := range []string{"很多", "5–3"} {
		if _, _, err := Range(bad); err == nil {
			t.Errorf("Range(%q): no error", bad)
		}
	}
}

func TestCheckEveryExerciseHasAKeyCounts(t *testing.T) {
	if n := countExercises(lesson); n != 3 {
		t.Errorf("exercises in the sample lesson = %d, want 3", n)
	}
	// A numbered list inside a key, or in another section, is no exercise.
	src := "## 说明\n\n1. 不是练习\n\n## 练习\n\n### 练习 1\n\n```answer\n1. 要点\n```\n\n## 小结\n\n2. 也不是\n"
	if n := countExercises(src); n != 1 {
		t.Errorf("exercises = %d, want 1", n)
	}
}
