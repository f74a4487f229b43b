package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bingfa-manyou/walkthrough/lessons"
)

// The search box in the header looks through every lesson without asking
// the server: the index below is built once at start-up, served as one
// static asset with a content hash (cached for good, like the scripts),
// and fetched, with the script that searches it (search.js), only the
// first time the learner uses the box, so a page view that does not
// search does not pay for either. The matching
// itself (case-insensitive substring, which suits Chinese, written without
// spaces, as well as identifiers like run_in_executor) is in search.js.

// The index's and the search script's names among the static assets.
const (
	searchIndexName = "search-index.json"
	searchModule    = "search.js"
)

// searchPage is one page of the index: a lesson or an appendix.
type searchPage struct {
	URL      string          `json:"u"`
	Label    string          `json:"l"` // "第 5 课" or "附录"
	Title    string          `json:"t"`
	Sections []searchSection `json:"s"`
}

// searchSection is the text from one heading to the next. ID is the
// heading's id, the target of a result's link ("" for the page's top).
type searchSection struct {
	ID      string `json:"i"`
	Heading string `json:"h"`
	Text    string `json:"x"`
	// Code marks a section of source code: its snippet is the line that
	// matches, not a window of characters.
	Code bool `json:"c,omitempty"`
}

// buildSearchIndex lists every page's sections: its prose by heading (code
// blocks included), each demo panel by its title and what its knobs mean,
// and each panel's Go and Python source.
func buildSearchIndex(c *lessons.Catalog) []searchPage {
	var pages []searchPage
	add := func(l *lessons.Lesson, label string) {
		p := searchPage{URL: lessonURL(l.Slug), Label: label, Title: l.Title}
		for _, t := range l.Text {
			p.Sections = append(p.Sections, searchSection{ID: t.ID, Heading: t.Heading, Text: t.Text})
		}
		for _, d := range l.Demos {
			// The panel: its title, then what its knobs mean, in words.
			words := []string{d.Title + "（" + d.ID + "）。"}
			for _, param := range d.Params {
				if param.Help != "" {
					words = append(words, param.Name+"："+strings.TrimSuffix(param.Help, "。")+"。")
				}
			}
			p.Sections = append(p.Sections, searchSection{ID: "demo-" + d.ID, Heading: d.Title, Text: strings.Join(words, " ")})
			// Its code, Go and Python: a learner searches for
			// run_in_executor or make(chan as often as for a word.
			code := c.Code(d.ID)
			if code.GoText != "" {
				p.Sections = append(p.Sections, searchSection{ID: "demo-" + d.ID, Heading: d.Title + " · " + code.GoFile, Text: code.GoText, Code: true})
			}
			if len(code.PythonText) > 0 {
				p.Sections = append(p.Sections, searchSection{ID: "demo-" + d.ID, Heading: d.Title + " · " + code.PythonFile, Text: string(code.PythonText), Code: true})
			}
		}
		pages = append(pages, p)
	}
	for _, l := range c.Lessons() {
		add(l, "第 "+lessonNumber(l.Order)+" 课")
	}
	for _, a := range c.Appendices() {
		add(a, "附录")
	}
	return pages
}

// searchIndexJSON is the index as served.
func searchIndexJSON(c *lessons.Catalog) ([]byte, error) {
	data, err := json.Marshal(buildSearchIndex(c))
	if err != nil {
		return nil, fmt.Errorf("web: search index: %w", err)
	}
	return data, nil
}
