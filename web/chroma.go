package web

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/styles"
)

// Highlighting styles for the two themes. Code is rendered with chroma's
// classes, so switching theme is only a matter of which rules apply.
const (
	lightStyle = "github"
	darkStyle  = "github-dark"
)

// chromaCSS writes the rules of both styles: light by default, dark when
// the system prefers it (unless the learner chose light), or when the
// learner chose dark.
func chromaCSS() ([]byte, error) {
	f := chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithLineNumbers(true))
	var light, dark bytes.Buffer
	if err := f.WriteCSS(&light, styles.Get(lightStyle)); err != nil {
		return nil, fmt.Errorf("web: chroma css: %w", err)
	}
	if err := f.WriteCSS(&dark, styles.Get(darkStyle)); err != nil {
		return nil, fmt.Errorf("web: chroma css: %w", err)
	}
	var out bytes.Buffer
	out.WriteString("/* generated at start-up from chroma's " + lightStyle + " and " + darkStyle + " styles */\n")
	out.Write(light.Bytes())
	out.WriteString("@media (prefers-color-scheme: dark) {\n")
	out.WriteString(reset(`:root:not([data-theme="light"]) `))
	out.WriteString(scope(dark.Bytes(), `:root:not([data-theme="light"]) `))
	out.WriteString("}\n")
	out.WriteString(reset(`:root[data-theme="dark"] `))
	out.WriteString(scope(dark.Bytes(), `:root[data-theme="dark"] `))
	return out.Bytes(), nil
}

// reset undoes, in the dark theme, the light rules for token classes the
// dark style does not colour itself: without it a name coloured near-black
// for the light theme would stay near-black on the dark background. Its
// selector is more specific than a light rule and less than a dark one.
func reset(prefix string) string {
	return prefix + ".chroma span { color: inherit; background-color: transparent; font-weight: inherit; font-style: inherit; }\n"
}

// scope puts prefix before the selector of every rule chroma wrote (one
// rule per line, each starting with its selector).
func scope(css []byte, prefix string) string {
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(css))
	for sc.Scan() {
		line := sc.Text()
		if rule, ok := strings.CutPrefix(line, "/* "); ok {
			// chroma starts each rule with a comment naming the token
			if i := strings.Index(rule, "*/ "); i >= 0 {
				line = rule[i+3:]
			}
		}
		if strings.HasPrefix(line, ".") {
			line = prefix + line
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
