package web

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
)

// editButton finds a panel's 编辑 button in a lesson page.
func editButton(t *testing.T, url, demoID string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	page := string(body)
	start := strings.Index(page, `data-demo="`+demoID+`"`)
	if start < 0 {
		t.Fatalf("no panel %s on %s", demoID, url)
	}
	button := regexp.MustCompile(`<button type="button" class="edit-toggle"[^>]*>编辑</button>`).FindString(page[start:])
	if button == "" {
		t.Fatalf("panel %s has no 编辑 button", demoID)
	}
	return button
}

// Every panel offers 编辑: where edited code runs, the button names the
// editor's module (loaded on first use, never with the page); where it
// cannot, the button is unavailable, the reason its description.
func TestPanelOffersEditing(t *testing.T) {
	on := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	button := editButton(t, on.URL+"/lessons/spinner", "spinner-goroutine")
	if ok, why := on.Course.EditStatus("spinner-goroutine"); !ok {
		t.Fatalf("spinner-goroutine is not editable here: %s", why)
	}
	if !regexp.MustCompile(`data-module="/static/editor\.js\?v=[0-9a-f]{12}"`).MatchString(button) || strings.Contains(button, "aria-disabled") {
		t.Errorf("editable demo's button %s", button)
	}

	off := serveCourse(t, "127.0.0.1:0", CourseConfig{Edit: runtimes.EditConfig{Off: true}})
	button = editButton(t, off.URL+"/lessons/spinner", "spinner-goroutine")
	_, why := off.Course.EditStatus("spinner-goroutine")
	if !strings.Contains(button, `aria-disabled="true"`) || strings.Contains(button, "data-module") ||
		!strings.Contains(html.UnescapeString(button), `title="`+why+`"`) || why == "" {
		t.Errorf("with editing off, the button %s, want unavailable with the reason %q", button, why)
	}
}
