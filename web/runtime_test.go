package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
)

// runtimeButtons are a panel's runtime switch and its two buttons.
func runtimeButtons(t *testing.T, panel *goquery.Selection) (box, goButton, pyButton *goquery.Selection) {
	t.Helper()
	box = panel.Find(`.controls.run-bar .runtime[role="group"]`)
	if box.Length() != 1 || attr(box, "aria-label") == "" {
		t.Fatalf("no named runtime switch among the controls: %d", box.Length())
	}
	if _, hidden := box.Attr("hidden"); !hidden {
		t.Error("the runtime switch shows without the script, which alone can run")
	}
	var order []string
	box.Find("button").Each(func(_ int, b *goquery.Selection) { order = append(order, attr(b, "data-runtime")+"="+b.Text()) })
	if !slices.Equal(order, []string{"go=Go", "python=Python"}) {
		t.Errorf("switch buttons %q, want Go then Python", order)
	}
	if next := box.Prev(); !next.Is("button.run") {
		t.Error("the runtime switch is not right beside Run")
	}
	goButton, pyButton = box.Find(`button[data-runtime="go"]`), box.Find(`button[data-runtime="python"]`)
	if attr(goButton, "type") != "button" || attr(pyButton, "type") != "button" {
		t.Error("a switch button would submit the form")
	}
	if attr(goButton, "aria-pressed") != "true" || attr(pyButton, "aria-pressed") != "false" {
		t.Errorf("pressed: go %q python %q, want Go chosen", attr(goButton, "aria-pressed"), attr(pyButton, "aria-pressed"))
	}
	return box, goButton, pyButton
}

// With Python off, every panel keeps its Python button, marked unavailable
// (still focusable, so it is not the disabled attribute) and described by
// the reason, which the panel also shows as text.
func TestRuntimeSwitchSaysWhyPythonIsOff(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{Python: runtimes.PythonConfig{Off: true}})
	doc := page(t, srv.URL+"/lessons/spinner", http.StatusOK)
	panels := doc.Find("section.demo")
	if panels.Length() == 0 {
		t.Fatal("no demo panels")
	}
	panels.Each(func(_ int, panel *goquery.Selection) {
		id := attr(panel, "data-demo")
		_, _, py := runtimeButtons(t, panel)
		if attr(py, "aria-disabled") != "true" {
			t.Errorf("%s: Python is off but its button is not marked unavailable", id)
		}
		if _, off := py.Attr("disabled"); off {
			t.Errorf("%s: the unavailable Python button is disabled, so the keyboard cannot reach its reason", id)
		}
		why := panel.Find("#" + attr(py, "aria-describedby"))
		if !why.Is("p.runtime-why") {
			t.Fatalf("%s: the Python button is not described by the reason (aria-describedby %q)", id, attr(py, "aria-describedby"))
		}
		if _, hidden := why.Attr("hidden"); hidden {
			t.Errorf("%s: the reason is hidden", id)
		}
		for what, text := range map[string]string{"shown reason": why.Text(), "title": attr(py, "title")} {
			if !strings.Contains(text, "-python off") {
				t.Errorf("%s: %s %q does not say Python is off", id, what, text)
			}
		}
	})
}

// Where Python cannot be found, the reason says what to install, and the
// command is set as code, ready to copy.
func TestRuntimeSwitchSaysWhatToInstall(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{Python: runtimes.PythonConfig{Path: "/nonexistent/python3"}})
	doc := page(t, srv.URL+"/lessons/spinner", http.StatusOK)
	panel := doc.Find(`section.demo[data-demo="spinner-goroutine"]`)
	_, _, py := runtimeButtons(t, panel)
	why := panel.Find("#" + attr(py, "aria-describedby"))
	cmd := why.Find("code")
	if cmd.Length() == 0 || !strings.HasPrefix(cmd.First().Text(), "apt-get install ") {
		t.Errorf("reason %q: no install command as code (%q)", why.Text(), cmd.Text())
	}
	if !strings.HasPrefix(why.Text(), "服务器上没有能用的 Python") || why.Text() != attr(py, "title") {
		t.Errorf("reason shown %q, title %q: want the server's reason in both", why.Text(), attr(py, "title"))
	}
}

// Where Python runs, its button is an ordinary choice, with no reason.
func TestRuntimeSwitchOffersPython(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	requirePython(t, srv.Course)
	doc := page(t, srv.URL+"/lessons/spinner", http.StatusOK)
	panel := doc.Find(`section.demo[data-demo="spinner-goroutine"]`)
	_, _, py := runtimeButtons(t, panel)
	if _, marked := py.Attr("aria-disabled"); marked {
		t.Error("Python runs here but its button is marked unavailable")
	}
	if panel.Find(".runtime-why").Length() != 0 {
		t.Errorf("a reason where Python runs: %q", panel.Find(".runtime-why").Text())
	}
	// The Python tab the switch selects holds the program that runs.
	tab := panel.Find(`[role="tab"][data-tab="py"]`)
	if !strings.HasSuffix(tab.Text(), ".py") || panel.Find("#"+attr(tab, "aria-controls")).Length() != 1 {
		t.Errorf("no Python tab with its pane: %q", tab.Text())
	}
}

func TestMarkCommands(t *testing.T) {
	for reason, want := range map[string][]textPart{
		"这台服务器关掉了 Python（-python off）": {{Text: "这台服务器关掉了 Python（-python off）"}},
		"服务器上没有能用的 Python：no Python 3.11 or newer (python3: not found): apt-get install python3 python3-aiohttp": {
			{Text: "服务器上没有能用的 Python：no Python 3.11 or newer (python3: not found): "},
			{Text: "apt-get install python3 python3-aiohttp", Code: true},
		},
		"这个程序要用 aiohttp，而服务器上的 Python 3.11.7 没有装：apt-get install python3-aiohttp（或 pip install aiohttp）": {
			{Text: "这个程序要用 aiohttp，而服务器上的 Python 3.11.7 没有装："},
			{Text: "apt-get install python3-aiohttp", Code: true},
			{Text: "（或 "},
			{Text: "pip install aiohttp", Code: true},
			{Text: "）"},
		},
	} {
		if got := markCommands(reason); !slices.Equal(got, want) {
			t.Errorf("markCommands(%q)\n got %+v\nwant %+v", reason, got, want)
		}
	}
}
