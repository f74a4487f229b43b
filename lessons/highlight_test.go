package lessons

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// textOf strips the markup and line numbers: what is left must be the
// source, byte for byte.
func textOf(h string) string {
	h = regexp.MustCompile(`<span class="ln">\d+</span>`).ReplaceAllString(h, "")
	return html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(h, ""))
}

func TestHighlightGo(t *testing.T) {
	src := "package x\n\n/* two\nlines */\nfunc f(s string) int {\n\treturn len(s) + 1 // one\n}\n\nvar raw = `a\nb<c>`\n"
	got := string(highlight("go", []byte(src), true))
	if textOf(got) != src {
		t.Errorf("text = %q\nwant %q", textOf(got), src)
	}
	for _, want := range []string{
		`<span class="kn">package</span>`, `<span class="kd">func</span>`, `<span class="nf">f</span>`,
		`<span class="kt">string</span>`, `<span class="nb">len</span>`, `<span class="mi">1</span>`,
		`<span class="c1">// one</span>`, `<span class="cm">/* two</span>`, `<span class="s">b&lt;c&gt;`,
		`<span class="k">return</span>`, `<span class="ln">9</span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if n := strings.Count(got, `<span class="line">`); n != strings.Count(src, "\n") {
		t.Errorf("%d lines for %d newlines", n, strings.Count(src, "\n"))
	}
}

func TestHighlightPython(t *testing.T) {
	src := "import asyncio\n\n@decorate\nasync def main(n: int = 3) -> None:\n    \"\"\"Doc\n    string # not a comment\"\"\"\n    s = f'{n}#' + \"x\"  # a comment\n    await asyncio.sleep(0.5)\n    return None if n else print(len('é'))\n"
	got := string(highlight("python", []byte(src), false))
	if textOf(got) != src {
		t.Errorf("text = %q\nwant %q", textOf(got), src)
	}
	for _, want := range []string{
		`<span class="kn">import</span>`, `<span class="nd">@decorate</span>`, `<span class="k">async</span>`,
		`<span class="kd">def</span>`, `<span class="nf">main</span>`, `<span class="sd">&#34;&#34;&#34;Doc</span>`,
		`<span class="s">f&#39;{n}#&#39;</span>`, `<span class="c1"># a comment</span>`, `<span class="mf">0.5</span>`,
		`<span class="kc">None</span>`, `<span class="nb">print</span>`, `<span class="mi">3</span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, `class="ln"`) {
		t.Error("line numbers in a block that asked for none")
	}
}
