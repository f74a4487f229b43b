package lessons

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

func TestHighlightGoKeepsTheSourceAndMarksTokens(t *testing.T) {
	src := "package x\n\n/* two\nlines */\nfunc f(s string) int {\n\treturn len(s) + 1 // one\n}\n\nvar raw = `a\nb<c>`\n"
	got := string(highlightGo([]byte(src)))
	// Strip the markup and the line numbers: the text must be the source.
	text := regexp.MustCompile(`<span class="ln">\d+</span>`).ReplaceAllString(got, "")
	text = html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(text, ""))
	if text != src {
		t.Errorf("text = %q\nwant %q", text, src)
	}
	for _, want := range []string{
		`<span class="kn">package</span>`, `<span class="kd">func</span>`, `<span class="nf">f</span>`,
		`<span class="kt">string</span>`, `<span class="nb">len</span>`, `<span class="mi">1</span>`,
		`<span class="c1">// one</span>`, `<span class="cm">/* two</span>`, `<span class="s">b&lt;c&gt;`,
		`<span class="k">return</span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if n := strings.Count(got, `<span class="line">`); n != strings.Count(src, "\n") {
		t.Errorf("%d lines for %d newlines", n, strings.Count(src, "\n"))
	}
}
