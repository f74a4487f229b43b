package main

import (
	"strings"
	"testing"
)

// In the dark theme, every token class falls back to the dark text colour
// unless the dark style colours it: no light colour survives on a dark
// background.
func TestChromaDarkThemeResetsLightColours(t *testing.T) {
	css, err := chromaCSS()
	if err != nil {
		t.Fatal(err)
	}
	s := string(css)
	for _, prefix := range []string{`:root[data-theme="dark"] `, `:root:not([data-theme="light"]) `} {
		reset := strings.Index(s, prefix+".chroma span { color: inherit")
		firstDark := strings.Index(s, prefix+".chroma .")
		if reset < 0 || firstDark < 0 || reset > firstDark {
			t.Errorf("%s: reset at %d, first dark rule at %d", prefix, reset, firstDark)
		}
	}
}
